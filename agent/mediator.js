'use strict'
// A stock Credo mediator (mediator module, pickup v1/v2 with live mode) on loopback, for load tests
// of a second mediator implementation. Ports and data folder come from the environment:
//   MEDIATOR_HTTP_PORT, MEDIATOR_WS_PORT, MEDIATOR_ADMIN_PORT, MEDIATOR_DATA_DIR, LOG_LEVEL, and
//   MEDIATOR_HTTP_ENDPOINT and MEDIATOR_WS_ENDPOINT: the endpoints it advertises, when clients reach it by
//   another way than its own ports (the tool's reverse proxy, the tests' fault proxy), and MEDIATOR_FORWARDING: how
//   it forwards, `direct` (Credo's default DirectDelivery: straight down any socket the recipient holds, else
//   queued) or `queue-and-live` (QueueAndLiveModeDelivery: always queued, then sent as pickup v2 `delivery`
//   messages to a recipient in live mode; others collect by pickup requests)
// The wallet lives in MEDIATOR_DATA_DIR, so a mediator restarted on the same folder and ports keeps
// its connections and mediations (its clients reconnect). Its small admin interface:
//   GET /ready -> {"ready": true}; POST /invitation -> {"invitation_url": ...} (multi-use OOB);
//   GET /counts -> {"active_connections", "granted_mediations", "keylist_routes"};
//   GET /metrics -> Prometheus text (prom-client): live websocket sessions, sessions opened/closed,
//   queued messages and the age of the oldest, and prom-client's default process metrics.
// It prints one line `{"event":"ready","invitationUrl":...}` on stdout once it serves.

const { ariesAskar, Store } = require('@hyperledger/aries-askar-nodejs')
const { AskarModule } = require('@credo-ts/askar')
const {
  Agent,
  ConnectionsModule,
  DidExchangeState,
  HttpOutboundTransport,
  InMemoryMessagePickupRepository,
  KeyDerivationMethod,
  MediationRole,
  MediationState,
  MediatorModule,
  MediatorService,
  MessagePickupModule,
  WsOutboundTransport,
} = require('@credo-ts/core')
const { agentDependencies, HttpInboundTransport, WsInboundTransport } = require('@credo-ts/node')
const express = require('express')
const fs = require('fs')
const http = require('http')
const path = require('path')
const promClient = require('prom-client')
const { WebSocketServer } = require('ws')

require('./lib/protocol') // keeps library console output off stdout
const { StderrLogger } = require('./lib/logger')

const HOST = '127.0.0.1'

// The values of Credo's MessageForwardingStrategy, which @credo-ts/core 0.5.19 does not export
// (node_modules/@credo-ts/core/build/modules/routing/MessageForwardingStrategy.d.ts).
const FORWARDING = { direct: 'DirectDelivery', 'queue-and-live': 'QueueAndLiveModeDelivery' }

function forwarding() {
  const name = process.env.MEDIATOR_FORWARDING || 'direct'
  if (!(name in FORWARDING)) throw new Error(`MEDIATOR_FORWARDING must be one of ${Object.keys(FORWARDING).join(', ')}`)
  return FORWARDING[name]
}

function port(name) {
  const value = Number(process.env[name])
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a port number`)
  return value
}

// The wallet key is made once per data folder, so a restart opens the same wallet.
function walletKey(dataDir) {
  const keyFile = path.join(dataDir, 'wallet.key')
  if (!fs.existsSync(keyFile)) fs.writeFileSync(keyFile, Store.generateRawKey(), { mode: 0o600 })
  return fs.readFileSync(keyFile, 'utf8').trim()
}

// Credo's HTTP transport listens on every interface; this app listens on loopback only.
function loopbackApp() {
  const app = express()
  app.listen = (listenPort, callback) => http.createServer(app).listen(listenPort, HOST, callback)
  return app
}

// Credo's in-memory queue, remembering when each message was queued: a queue's age tells a stuck
// queue from a busy one, which its depth alone cannot.
class TimedMessagePickupRepository extends InMemoryMessagePickupRepository {
  constructor(logger) {
    super(logger)
    this.queuedAt = new Map()
  }

  addMessage(options) {
    const id = super.addMessage(options)
    this.queuedAt.set(id, Date.now())
    return id
  }

  removeMessages(options) {
    super.removeMessages(options)
    for (const id of options.messageIds) this.queuedAt.delete(id)
  }

  oldestAgeSeconds() {
    let oldest = Infinity
    for (const at of this.queuedAt.values()) oldest = Math.min(oldest, at)
    return oldest === Infinity ? 0 : (Date.now() - oldest) / 1000
  }
}

// The gauges are read from their sources at scrape time, so they cannot drift from them.
function metricsRegistry(wsServer, queue) {
  const registry = new promClient.Registry()
  promClient.collectDefaultMetrics({ register: registry })
  new promClient.Gauge({
    name: 'mediator_live_sessions',
    help: 'Open websocket sessions of clients',
    registers: [registry],
    collect() {
      this.set(wsServer.clients.size)
    },
  })
  const opened = new promClient.Counter({
    name: 'mediator_sessions_opened_total',
    help: 'Websocket sessions opened since start',
    registers: [registry],
  })
  const closed = new promClient.Counter({
    name: 'mediator_sessions_closed_total',
    help: 'Websocket sessions closed since start',
    registers: [registry],
  })
  wsServer.on('connection', (socket) => {
    opened.inc()
    socket.on('close', () => closed.inc())
  })
  new promClient.Gauge({
    name: 'mediator_queued_messages',
    help: 'Messages held in the pickup queue for clients',
    registers: [registry],
    collect() {
      this.set(queue.messages.length)
    },
  })
  new promClient.Gauge({
    name: 'mediator_queue_oldest_age_seconds',
    help: 'Age of the oldest message in the pickup queue (0 when empty)',
    registers: [registry],
    collect() {
      this.set(queue.oldestAgeSeconds())
    },
  })
  return registry
}

async function counts(agent) {
  const connections = await agent.connections.findAllByQuery({ state: DidExchangeState.Completed })
  const mediations = await agent.dependencyManager
    .resolve(MediatorService)
    .findAllByQuery(agent.context, { state: MediationState.Granted, role: MediationRole.Mediator })
  return {
    active_connections: connections.length,
    granted_mediations: mediations.length,
    keylist_routes: mediations.reduce((sum, record) => sum + record.recipientKeys.length, 0),
  }
}

function serveAdmin(agent, adminPort, httpEndpoint, registry) {
  const admin = express()
  admin.get('/ready', (_req, res) => res.json({ ready: agent.isInitialized }))
  admin.post('/invitation', (_req, res, next) => {
    agent.oob
      .createInvitation({ multiUseInvitation: true, autoAcceptConnection: true })
      .then((record) => res.json({ invitation_url: record.outOfBandInvitation.toUrl({ domain: httpEndpoint }) }))
      .catch(next)
  })
  admin.get('/counts', (_req, res, next) => {
    counts(agent).then((result) => res.json(result), next)
  })
  admin.get('/metrics', (_req, res, next) => {
    registry
      .metrics()
      .then((text) => res.type(registry.contentType).send(text))
      .catch(next)
  })
  admin.use((error, _req, res, _next) => res.status(500).json({ error: String((error && error.message) || error) }))
  return new Promise((resolve) => {
    const server = admin.listen(adminPort, HOST, () => resolve(server))
  })
}

async function main() {
  const dataDir = process.env.MEDIATOR_DATA_DIR || path.join(process.cwd(), 'credo-mediator')
  fs.mkdirSync(dataDir, { recursive: true })
  const httpEndpoint = process.env.MEDIATOR_HTTP_ENDPOINT || `http://${HOST}:${port('MEDIATOR_HTTP_PORT')}`
  const wsEndpoint = process.env.MEDIATOR_WS_ENDPOINT || `ws://${HOST}:${port('MEDIATOR_WS_PORT')}`
  const logger = new StderrLogger(process.env.LOG_LEVEL, 'mediator')
  const queue = new TimedMessagePickupRepository(logger)
  const wsServer = new WebSocketServer({ host: HOST, port: port('MEDIATOR_WS_PORT') })
  const agent = new Agent({
    config: {
      label: 'Credo Mediator',
      endpoints: [httpEndpoint, wsEndpoint],
      walletConfig: {
        id: 'mediator',
        key: walletKey(dataDir),
        keyDerivationMethod: KeyDerivationMethod.Raw,
        storage: { type: 'sqlite', config: { path: path.join(dataDir, 'wallet.sqlite') } },
      },
      logger,
    },
    dependencies: agentDependencies,
    modules: {
      askar: new AskarModule({ ariesAskar }),
      connections: new ConnectionsModule({ autoAcceptConnections: true }),
      mediator: new MediatorModule({ autoAcceptMediationRequests: true, messageForwardingStrategy: forwarding() }),
      messagePickup: new MessagePickupModule({ messagePickupRepository: queue }),
    },
  })
  agent.registerInboundTransport(new HttpInboundTransport({ app: loopbackApp(), port: port('MEDIATOR_HTTP_PORT') }))
  agent.registerInboundTransport(
    new WsInboundTransport({ server: wsServer })
  )
  agent.registerOutboundTransport(new HttpOutboundTransport())
  agent.registerOutboundTransport(new WsOutboundTransport())
  await agent.initialize()
  const adminServer = await serveAdmin(agent, port('MEDIATOR_ADMIN_PORT'), httpEndpoint, metricsRegistry(wsServer, queue))

  const stop = () => {
    adminServer.close()
    agent.shutdown().finally(() => process.exit(0))
    setTimeout(() => process.exit(0), 5000).unref()
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)

  const invitation = await agent.oob.createInvitation({ multiUseInvitation: true, autoAcceptConnection: true })
  process.stdout.write(
    JSON.stringify({ event: 'ready', invitationUrl: invitation.outOfBandInvitation.toUrl({ domain: httpEndpoint }) }) + '\n'
  )
}

main().catch((error) => {
  process.stderr.write(`mediator failed to start: ${(error && error.stack) || error}\n`)
  process.exit(1)
})
