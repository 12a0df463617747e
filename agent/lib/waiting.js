'use strict'
// Waiting for Credo events without missing one that fires before the wait begins.

class TimeoutError extends Error {
  constructor(what, timeoutMs) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}`)
    this.name = 'TimeoutError'
  }
}

// Starts recording events of `type` at once; `until(match)` resolves with the first recorded or
// later event that matches. Create it before the action whose answer it waits for.
function recordEvents(agent, type) {
  const seen = []
  const waiters = []
  const listener = (event) => {
    for (const waiter of waiters) {
      if (waiter.match(event)) {
        waiter.settle(event)
        return
      }
    }
    seen.push(event)
    if (seen.length > 1000) seen.shift()
  }
  agent.events.on(type, listener)
  const stop = () => agent.events.off(type, listener)

  function until(match, timeoutMs, what) {
    const earlier = seen.findIndex(match)
    if (earlier >= 0) {
      const event = seen.splice(earlier, 1)[0]
      stop()
      return Promise.resolve(event)
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        settle: (event) => {
          clearTimeout(timer)
          waiters.splice(waiters.indexOf(waiter), 1)
          stop()
          resolve(event)
        },
      }
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1)
        stop()
        reject(new TimeoutError(what || type, timeoutMs))
      }, timeoutMs)
      waiters.push(waiter)
    })
  }
  return { until, stop }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

// Rejects with TimeoutError if `promise` has not settled within `timeoutMs`.
function withTimeout(promise, timeoutMs, what) {
  let timer
  return Promise.race([
    promise,
    new Promise((_resolve, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(what, timeoutMs)), timeoutMs)
    }),
  ]).finally(() => clearTimeout(timer))
}

module.exports = { TimeoutError, recordEvents, sleep, withTimeout }
