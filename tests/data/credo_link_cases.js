'use strict'
// Runs agent/lib/link.js against a fake agent (its event bus) and fake transports; prints one JSON line
// per case: {case, outcome: "resolved" | "rejected" | "pending", name, message, ms}. Run in the agent
// project's folder (its node_modules).
const { EventEmitter } = require('events')
const path = require('path')
const { TransportEventTypes } = require(require.resolve('@credo-ts/core', { paths: [process.cwd()] }))
const { MediatorLinkWatch } = require(path.join(process.cwd(), 'lib', 'link'))

const MEDIATOR = 'mediator-connection'
const never = () => new Promise(() => {})
const later = (ms, value) => new Promise((resolve) => setTimeout(() => resolve(value), ms))

function fakeAgent() {
  const bus = new EventEmitter()
  return { events: { on: (type, listener) => bus.on(type, listener), off: (type, listener) => bus.off(type, listener) },
    closeMediatorSocket: () => bus.emit(TransportEventTypes.OutboundWebSocketClosedEvent, { payload: { connectionId: MEDIATOR } }) }
}

function transport(watch, isWebSocket, fail) {
  return watch.watchTransport({ sendMessage: async () => { if (fail) throw fail } }, isWebSocket)
}

function undeliverable() {
  return Object.assign(new Error('Message is undeliverable to connection mediator-connection'), { name: 'MessageSendingError' })
}

const cases = {
  // the request went out on the websocket: its reply can only come back down it
  'websocket closes while a reply is due on it': (agent, watch) => {
    const ws = transport(watch, true)
    setTimeout(agent.closeMediatorSocket, 50)
    return watch.request(agent, () => ws.sendMessage({ connectionId: MEDIATOR, endpoint: 'ws://m' }), never, 'the reply')
  },
  // the reply comes back on the HTTP request: the websocket closing changes nothing
  'websocket closes while a reply is due on an HTTP request': (agent, watch) => {
    const http = transport(watch, false)
    setTimeout(agent.closeMediatorSocket, 50)
    return watch.request(agent, () => http.sendMessage({ connectionId: MEDIATOR, endpoint: 'http://m' }), () => later(200, 'answer'), 'the reply')
  },
  'a send to another party went on the websocket': (agent, watch) => {
    const ws = transport(watch, true)
    setTimeout(agent.closeMediatorSocket, 50)
    return watch.request(agent, () => ws.sendMessage({ connectionId: 'peer', endpoint: 'ws://p' }), () => later(200, 'answer'), 'the reply')
  },
  // every endpoint failed: Credo says only "undeliverable"; the reset and its reasons are named
  'every send to the mediator fails': (agent, watch) => {
    const http = transport(watch, false, new Error('Error sending message to http://m: fetch failed', { cause: new Error('fetch failed', { cause: new Error('other side closed') }) }))
    const ws = transport(watch, true, new Error('connect ECONNREFUSED 127.0.0.1:9'))
    const send = async () => {
      for (const [t, endpoint] of [[http, 'http://m'], [ws, 'ws://m']]) await t.sendMessage({ connectionId: MEDIATOR, endpoint }).catch(() => {})
      throw undeliverable()
    }
    return watch.request(agent, send, never, 'the reply')
  },
  'a send fails for another reason than the link': (agent, watch) => watch.request(agent, async () => { throw new TypeError('bad message') }, never, 'the reply'),
}

async function main() {
  for (const [name, run] of Object.entries(cases)) {
    const agent = fakeAgent()
    const watch = new MediatorLinkWatch((connectionId) => connectionId === MEDIATOR)
    const began = Date.now()
    const settled = await Promise.race([run(agent, watch).then((value) => ({ outcome: 'resolved', value }),
      (error) => ({ outcome: 'rejected', name: error.name, message: error.message })), later(1000, { outcome: 'pending' })])
    process.stdout.write(JSON.stringify({ case: name, ...settled, ms: Date.now() - began }) + '\n')
  }
  process.exit(0)
}
main()
