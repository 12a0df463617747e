'use strict'
// One Credo agent driven over JSON lines (see docs/engines.md "The JSON-lines protocol"): a command per stdin line,
// `{"id":..,"cmd":..,...}`; one reply per command echoing its id; events on lines of their own.
// The process exits when stdin closes, so a dead driver never leaves it behind.

const { serve, emitEvent, exitWithParent } = require('./lib/protocol')
const { Wallet } = require('./lib/wallet')

const SHUTDOWN_GRACE_MS = 3000

const wallet = new Wallet(emitEvent)

const handlers = {
  start: (command) => wallet.start(command),
  ping_mediator: (command) => wallet.pingMediator(command),
  receiveInvitation: (command) => wallet.receiveInvitation(command),
  createInvitation: (command) => wallet.createInvitation(command),
  sendMessage: (command) => wallet.sendMessage(command),
  receiveMessage: (command) => wallet.receiveMessage(command),
  receiveCredential: (command) => wallet.receiveCredential(command),
  goOffline: () => wallet.goOffline(),
  comeOnline: (command) => wallet.comeOnline(command),
  shutdown: () => wallet.shutdown(),
}

let exiting = false
function exit(code) {
  if (exiting) return
  exiting = true
  setTimeout(() => process.exit(code), SHUTDOWN_GRACE_MS).unref()
  wallet.dispose().finally(() => process.exit(code))
}

process.on('SIGTERM', () => exit(0))
process.on('SIGINT', () => exit(0))
process.on('unhandledRejection', (error) => {
  process.stderr.write(`unhandled rejection: ${(error && error.stack) || error}\n`)
})
exitWithParent(() => exit(1))
serve(handlers, () => exit(0))
emitEvent('ready', { pid: process.pid })
