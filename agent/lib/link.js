'use strict'
// The wallet's link to its mediator as the transports see it: each failed send to the mediator's
// connection and each close of its websocket, so an operation whose reply can no longer come fails at
// once naming the reset, instead of at its timeout.
//
// Credo sends a request to the first endpoint of the mediator's DID document that works (HTTP before
// the websocket for ACA-Py and agent/mediator.js); the reply comes back on that same request (return
// route). When the link is reset (the mediator restarted, the connection dropped) the send fails and
// Credo tries the next endpoint; when every one fails it says only "Message is undeliverable". What
// failed, and why, is recorded here.

const { TransportEventTypes } = require('@credo-ts/core')

class LinkResetError extends Error {
  constructor(what, reasons) {
    super(`mediator connection reset while waiting for ${what} (${reasons.join('; ') || 'websocket closed'})`)
    this.name = 'LinkResetError'
  }
}

function reasonOf(error) {
  const message = (error && error.message) || String(error)
  const cause = error && error.cause
  const detail = cause && (cause.cause ? cause.cause.message || cause.cause.code : cause.message)
  return detail && !message.includes(detail) ? `${message}: ${detail}` : message
}

// Credo's HTTP transport names the endpoint in its message already; a websocket's error does not.
function reasonAt(endpoint, error) {
  const reason = reasonOf(error)
  return reason.includes(endpoint) ? reason : `${endpoint}: ${reason}`
}

class MediatorLinkWatch {
  constructor(isMediator) {
    this.isMediator = isMediator
    this.failures = [] // { at, reason } of failed sends to the mediator
    this.sending = new Map() // operations in their send phase -> whether a websocket carried their request
  }

  // `transport` with its sends to the mediator watched; returns it.
  watchTransport(transport, isWebSocket) {
    const send = transport.sendMessage.bind(transport)
    transport.sendMessage = async (outboundPackage) => {
      const toMediator = this.isMediator(outboundPackage.connectionId)
      try {
        await send(outboundPackage)
        if (toMediator && isWebSocket) for (const operation of this.sending.keys()) this.sending.set(operation, true)
      } catch (error) {
        if (toMediator) this.failures.push({ at: Date.now(), reason: reasonAt(outboundPackage.endpoint, error) })
        if (this.failures.length > 20) this.failures.shift()
        throw error
      }
    }
    return transport
  }

  // Sends a request to the mediator with `send()`, then waits for its reply with `wait()`; a reset of
  // the link makes either fail at once with LinkResetError naming `what` and the reset. A reply carried
  // by an HTTP request is not waited for on the websocket: its closing then changes nothing.
  async request(agent, send, wait, what) {
    const operation = Symbol(what)
    const since = Date.now()
    this.sending.set(operation, false)
    let request
    let onWebSocket = false
    try {
      request = await send()
    } catch (error) {
      const reasons = this.failures.filter((failure) => failure.at >= since).map((failure) => failure.reason)
      throw reasons.length ? new LinkResetError(what, reasons) : error
    } finally {
      onWebSocket = this.sending.get(operation)
      this.sending.delete(operation)
    }
    if (!onWebSocket) return wait(request)
    const closed = this.socketClosed(agent, what)
    try {
      return await Promise.race([wait(request), closed.promise])
    } finally {
      closed.stop()
    }
  }

  socketClosed(agent, what) {
    let listener
    const promise = new Promise((_resolve, reject) => {
      listener = ({ payload }) => {
        if (this.isMediator(payload.connectionId)) reject(new LinkResetError(what, ['websocket closed']))
      }
      agent.events.on(TransportEventTypes.OutboundWebSocketClosedEvent, listener)
    })
    promise.catch(() => {}) // a reset after the reply came is nobody's failure
    return { promise, stop: () => agent.events.off(TransportEventTypes.OutboundWebSocketClosedEvent, listener) }
  }
}

module.exports = { LinkResetError, MediatorLinkWatch }
