'use strict'
// The JSON-lines link to the driver: commands in on stdin, replies and events out on stdout.
// stdout carries protocol lines only; everything else (logs, stray console output of libraries)
// goes to stderr, so a driver can read stdout without filtering.

const readline = require('readline')

// Libraries log with console.log; those lines must never reach the protocol stream.
console.log = console.error
console.info = console.error
console.debug = console.error

function writeLine(object) {
  process.stdout.write(JSON.stringify(object) + '\n')
}

function describeError(error) {
  if (error instanceof Error) {
    let message = error.message || String(error)
    if (error.cause instanceof Error && error.cause.message && !message.includes(error.cause.message)) {
      message = `${message} (cause: ${error.cause.message})`
    }
    return { name: error.name || 'Error', message }
  }
  return { name: 'Error', message: typeof error === 'string' ? error : JSON.stringify(error) ?? String(error) }
}

function reply(id, result) {
  writeLine({ id, error: 0, result: result ?? null })
}

function replyError(id, error) {
  writeLine({ id, error: 1, result: describeError(error) })
}

function emitEvent(event, fields) {
  writeLine({ event, ...fields })
}

// Runs each command as it arrives (a slow command does not hold back the next one; ids keep
// replies apart). `onClose` runs once when stdin ends: the driver is gone or done with us.
function serve(handlers, onClose) {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
  lines.on('line', (line) => {
    if (!line.trim()) return
    let command
    try {
      command = JSON.parse(line)
    } catch (error) {
      replyError(null, new SyntaxError(`command is not JSON: ${error.message}`))
      return
    }
    const id = command && command.id !== undefined ? command.id : null
    const handler = command && typeof command.cmd === 'string' ? handlers[command.cmd] : undefined
    if (!handler) {
      replyError(id, new TypeError(`unknown command: ${JSON.stringify(command && command.cmd)}`))
      return
    }
    Promise.resolve()
      .then(() => handler(command))
      .then(
        (result) => reply(id, result),
        (error) => replyError(id, error)
      )
  })
  lines.on('close', onClose)
}

// Exit when our parent is gone even if stdin somehow stays open (a reparented child sees a new ppid).
function exitWithParent(onOrphaned, intervalMs = 1000) {
  const parent = process.ppid
  const timer = setInterval(() => {
    if (process.ppid !== parent) onOrphaned()
  }, intervalMs)
  timer.unref()
}

module.exports = { serve, emitEvent, describeError, exitWithParent }
