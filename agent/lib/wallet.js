'use strict'
// One Credo wallet: building the Agent and the operations the driver asks for.

// The askar binding must be loaded before the Credo askar module that wraps it.
const { ariesAskar, Store } = require('@hyperledger/aries-askar-nodejs')
const { AskarModule } = require('@credo-ts/askar')
const {
  Agent,
  AgentEventTypes,
  AutoAcceptCredential,
  BasicMessageEventTypes,
  BasicMessageRole,
  ConnectionEventTypes,
  ConnectionsModule,
  CredentialEventTypes,
  CredentialState,
  CredentialsModule,
  DidExchangeState,
  HttpOutboundTransport,
  JsonLdCredentialFormatService,
  KeyDerivationMethod,
  MediationRecipientModule,
  MediatorPickupStrategy,
  OutboundMessageSendStatus,
  TransportEventTypes,
  TrustPingEventTypes,
  V2CredentialProtocol,
  W3cCredentialsModule,
  WsOutboundTransport,
} = require('@credo-ts/core')
const { agentDependencies, HttpInboundTransport } = require('@credo-ts/node')
const { randomUUID } = require('crypto')

const { documentLoaderWithLocalContexts } = require('./contexts')
const { MediatorLinkWatch } = require('./link')
const { StderrLogger } = require('./logger')
const { TimeoutError, recordEvents, sleep, withTimeout } = require('./waiting')

const DEFAULT_TIMEOUT_MS = 60000
// A stock Credo mediator closes the handshake's websocket after its last message; a mediation
// request sent on that socket meanwhile is lost. Waiting this long for the close avoids it.
const HANDSHAKE_SOCKET_CLOSE_WAIT_MS = 1500
const PICKUP_SOCKET_OPEN_WAIT_MS = 5000
const SOCKET_CLOSE_WAIT_MS = 3000
const UNREAD_MESSAGES_KEPT = 100

// PICKUP_STRATEGY takes the settings' names (mediator_tui/core/config/schema.py), the same in every engine.
const PICKUP_STRATEGIES = {
  implicit: MediatorPickupStrategy.Implicit,
  'pickup-v2': MediatorPickupStrategy.PickUpV2,
  'pickup-v2-live': MediatorPickupStrategy.PickUpV2LiveMode,
}
const PICKUP_V2_TYPE_PREFIX = 'https://didcomm.org/messagepickup/2.0/'

function pickupStrategy(name) {
  const chosen = name || 'implicit'
  if (!Object.prototype.hasOwnProperty.call(PICKUP_STRATEGIES, chosen)) {
    throw new TypeError(`unknown pickup strategy ${JSON.stringify(chosen)}; choose one of ${Object.keys(PICKUP_STRATEGIES).join(', ')}`)
  }
  return PICKUP_STRATEGIES[chosen]
}

// The name of a messagepickup/2.0 message (`status`, `delivery`, ...), or null for any other message.
function pickupMessageName(type) {
  return typeof type === 'string' && type.startsWith(PICKUP_V2_TYPE_PREFIX) ? type.slice(PICKUP_V2_TYPE_PREFIX.length) : null
}

function positiveNumber(value, fallback) {
  const number = Number(value)
  return Number.isFinite(number) && number > 0 ? number : fallback
}

class Deadline {
  constructor(timeoutMs) {
    this.end = Date.now() + positiveNumber(timeoutMs, DEFAULT_TIMEOUT_MS)
  }

  remaining() {
    return Math.max(1, this.end - Date.now())
  }
}

class Wallet {
  constructor(emit) {
    this.emit = emit
    this.agent = null
    this.mediatorConnectionId = null
    this.openSockets = new Map()
    this.claimedExchanges = new Set()
    this.lifecycle = Promise.resolve()
    this.unreadMessages = []
    this.messageWaiters = []
    this.link = new MediatorLinkWatch((connectionId) => this.isMediator(connectionId))
  }

  // Start and shutdown never overlap: a shutdown sent during a start waits for it.
  serially(task) {
    const run = this.lifecycle.then(task)
    this.lifecycle = run.catch(() => {})
    return run
  }

  start(options) {
    return this.serially(() => this.startNow(options))
  }

  async startNow(options) {
    if (this.agent) throw new Error('agent already started; shut it down first')
    const deadline = new Deadline(options.timeoutMs)
    const withMediation = options.withMediation !== false
    const mediationUrl = options.mediationUrl || process.env.MEDIATION_URL || ''
    if (withMediation && !mediationUrl) throw new TypeError('withMediation needs mediationUrl or MEDIATION_URL')
    if (!withMediation && !(Number.isInteger(options.port) && options.port > 0)) {
      throw new TypeError('an agent without mediation listens and needs a port')
    }
    const strategy = pickupStrategy(options.pickupStrategy || process.env.PICKUP_STRATEGY)
    this.agent = await this.buildAgent(options, withMediation, strategy)
    try {
      await withTimeout(this.agent.initialize(), deadline.remaining(), 'wallet initialisation')
      if (withMediation) {
        await withTimeout(this.joinMediator(mediationUrl, strategy, deadline), deadline.remaining(), 'mediation to be granted')
      }
    } catch (error) {
      // A half-started Agent cannot be started again: drop it so the next start builds a new one.
      await this.dispose()
      throw error
    }
    return { label: this.agent.config.label, mediatorConnectionId: this.mediatorConnectionId }
  }

  async buildAgent(options, withMediation, strategy) {
    const label = options.label || `mediator-tui-${randomUUID()}`
    const agentIp = options.agentIp || process.env.AGENT_IP || '127.0.0.1'
    const agent = new Agent({
      config: {
        label,
        walletConfig: {
          id: label,
          // A raw key skips the Argon2 derivation that doubles start time and peak memory.
          key: Store.generateRawKey(),
          keyDerivationMethod: KeyDerivationMethod.Raw,
          storage: { type: 'sqlite', config: { inMemory: true } },
        },
        endpoints: withMediation ? undefined : [`http://${agentIp}:${options.port}`],
        logger: new StderrLogger(process.env.LOG_LEVEL, label.slice(0, 24)),
      },
      dependencies: agentDependencies,
      modules: {
        askar: new AskarModule({ ariesAskar }),
        connections: new ConnectionsModule({ autoAcceptConnections: true }),
        mediationRecipient: new MediationRecipientModule({
          mediatorPickupStrategy: strategy,
          baseMediatorReconnectionIntervalMs: positiveNumber(process.env.MEDIATOR_RECONNECT_BASE_MS, 100),
          maximumMediatorReconnectionIntervalMs: positiveNumber(process.env.MEDIATOR_RECONNECT_MAX_MS, 5000),
        }),
        credentials: new CredentialsModule({
          autoAcceptCredentials: AutoAcceptCredential.Never,
          credentialProtocols: [new V2CredentialProtocol({ credentialFormats: [new JsonLdCredentialFormatService()] })],
        }),
        w3cCredentials: new W3cCredentialsModule({ documentLoader: documentLoaderWithLocalContexts }),
      },
    })
    // kept: going offline closes its sockets
    this.wsTransport = this.link.watchTransport(new WsOutboundTransport(), true)
    agent.registerOutboundTransport(this.wsTransport)
    agent.registerOutboundTransport(this.link.watchTransport(new HttpOutboundTransport(), false))
    if (!withMediation) agent.registerInboundTransport(new HttpInboundTransport({ port: options.port }))
    this.watch(agent)
    return agent
  }

  // Forwards what the driver may want to see as events, and keeps count of open sockets.
  watch(agent) {
    agent.events.on(TransportEventTypes.OutboundWebSocketOpenedEvent, ({ payload }) => {
      const key = payload.connectionId || ''
      this.openSockets.set(key, (this.openSockets.get(key) || 0) + 1)
      this.emit('ws_open', { socketId: payload.socketId, connectionId: payload.connectionId || null, mediator: this.isMediator(key) })
    })
    agent.events.on(TransportEventTypes.OutboundWebSocketClosedEvent, ({ payload }) => {
      const key = payload.connectionId || ''
      this.openSockets.set(key, Math.max(0, (this.openSockets.get(key) || 0) - 1))
      this.emit('ws_closed', { socketId: payload.socketId, connectionId: payload.connectionId || null, mediator: this.isMediator(key) })
    })
    agent.events.on(BasicMessageEventTypes.BasicMessageStateChanged, ({ payload }) => {
      const record = payload.basicMessageRecord
      if (record.role !== BasicMessageRole.Receiver) return
      this.deliverMessage({
        content: record.content,
        connectionId: record.connectionId,
        messageId: payload.message.id,
        sentTime: record.sentTime,
        receivedAt: Date.now(),
      })
    })
    // Which pickup protocol carried the messages: the driver counts these (its `pickup_messages`).
    agent.events.on(AgentEventTypes.AgentMessageSent, ({ payload }) => {
      const name = pickupMessageName(payload.message.message.type)
      if (name && payload.status !== OutboundMessageSendStatus.Undeliverable) this.emit('pickup', { message: name, direction: 'sent' })
    })
    agent.events.on(AgentEventTypes.AgentMessageProcessed, ({ payload }) => {
      const name = pickupMessageName(payload.message.type)
      if (name) this.emit('pickup', { message: name, direction: 'received' })
    })
    agent.events.on(ConnectionEventTypes.ConnectionStateChanged, ({ payload }) => {
      const record = payload.connectionRecord
      if (record.state !== DidExchangeState.Completed) return
      this.emit('connection', { connectionId: record.id, outOfBandId: record.outOfBandId || null, theirLabel: record.theirLabel || null })
    })
  }

  isMediator(connectionId) {
    return Boolean(connectionId) && connectionId === this.mediatorConnectionId
  }

  async joinMediator(mediationUrl, strategy, deadline) {
    const agent = this.agent
    const { connectionRecord } = await agent.oob.receiveInvitationFromUrl(mediationUrl, {
      autoAcceptInvitation: true,
      autoAcceptConnection: true,
      reuseConnection: true,
    })
    if (!connectionRecord) throw new Error('the mediator invitation started no connection')
    const connection = await agent.connections.returnWhenIsConnected(connectionRecord.id, { timeoutMs: deadline.remaining() })
    this.mediatorConnectionId = connection.id
    await this.letHandshakeSocketClose(connection.id)
    const mediation = await agent.mediationRecipient.requestAndAwaitGrant(connection, deadline.remaining())
    await agent.mediationRecipient.setDefaultMediator(mediation)
    if (strategy === MediatorPickupStrategy.Implicit || strategy === MediatorPickupStrategy.PickUpV2LiveMode) {
      // Start returns once messages can reach us live over the mediator socket.
      const opened = recordEvents(agent, TransportEventTypes.OutboundWebSocketOpenedEvent)
      await agent.mediationRecipient.initiateMessagePickup(mediation, strategy)
      if (this.openSockets.get(connection.id)) {
        opened.stop()
      } else {
        await opened.until(
          (event) => event.payload.connectionId === connection.id,
          Math.min(PICKUP_SOCKET_OPEN_WAIT_MS, deadline.remaining()),
          'the websocket to the mediator'
        )
      }
    } else {
      await agent.mediationRecipient.initiateMessagePickup(mediation, strategy)
    }
  }

  async letHandshakeSocketClose(connectionId) {
    const waitUntil = Date.now() + HANDSHAKE_SOCKET_CLOSE_WAIT_MS
    while (this.openSockets.get(connectionId) && Date.now() < waitUntil) await sleep(50)
  }

  requireAgent() {
    if (!this.agent) throw new Error('agent not started')
    return this.agent
  }

  async pingMediator(options) {
    const agent = this.requireAgent()
    if (!this.mediatorConnectionId) throw new Error('agent has no mediator')
    const deadline = new Deadline(options.timeoutMs)
    const responses = recordEvents(agent, TrustPingEventTypes.TrustPingResponseReceivedEvent)
    const send = () => agent.connections.sendPing(this.mediatorConnectionId, { responseRequested: true })
    let started
    const answered = async (ping) => {
      started = Date.now()
      await responses.until((event) => event.payload.message.threadId === ping.id, deadline.remaining(), 'the trust ping response')
      return ping
    }
    try {
      const ping = await this.link.request(agent, send, answered, 'the trust ping response from the mediator')
      return { pingId: ping.id, elapsedMs: Date.now() - started }
    } finally {
      responses.stop()
    }
  }

  async receiveInvitation(options) {
    const agent = this.requireAgent()
    if (typeof options.invitationUrl !== 'string' || !options.invitationUrl) throw new TypeError('invitationUrl is required')
    const deadline = new Deadline(options.timeoutMs)
    const { connectionRecord } = await agent.oob.receiveInvitationFromUrl(options.invitationUrl, {
      autoAcceptInvitation: true,
      autoAcceptConnection: true,
      reuseConnection: false,
    })
    if (!connectionRecord) throw new Error('the invitation started no connection (no handshake protocol offered?)')
    const connection = await agent.connections.returnWhenIsConnected(connectionRecord.id, { timeoutMs: deadline.remaining() })
    return { connectionId: connection.id, theirLabel: connection.theirLabel || null }
  }

  async createInvitation(options) {
    const agent = this.requireAgent()
    const record = await agent.oob.createInvitation({ autoAcceptConnection: true, multiUseInvitation: Boolean(options.multiUse) })
    const domain = agent.config.endpoints.find((endpoint) => endpoint.startsWith('http')) || 'https://example.org'
    return { invitationUrl: record.outOfBandInvitation.toUrl({ domain }), outOfBandId: record.id }
  }

  async sendMessage(options) {
    const agent = this.requireAgent()
    if (typeof options.connectionId !== 'string' || !options.connectionId) throw new TypeError('connectionId is required')
    if (typeof options.content !== 'string') throw new TypeError('content must be a string')
    const record = await withTimeout(
      agent.basicMessages.sendMessage(options.connectionId, options.content),
      new Deadline(options.timeoutMs).remaining(),
      'the basic message to be sent'
    )
    return { messageId: record.threadId || record.id }
  }

  // The oldest message no receiveMessage has taken yet, or the next to arrive.
  async receiveMessage(options) {
    this.requireAgent()
    if (this.unreadMessages.length) return this.unreadMessages.shift()
    const timeoutMs = new Deadline(options.timeoutMs).remaining()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.messageWaiters.splice(this.messageWaiters.indexOf(waiter), 1)
        reject(new TimeoutError('a basic message', timeoutMs))
      }, timeoutMs)
      const waiter = (message) => {
        clearTimeout(timer)
        resolve(message)
      }
      this.messageWaiters.push(waiter)
    })
  }

  deliverMessage(message) {
    this.emit('message', message)
    const waiter = this.messageWaiters.shift()
    if (waiter) {
      waiter(message)
      return
    }
    this.unreadMessages.push(message)
    // Drivers that take messages from the events never call receiveMessage: keep only the latest.
    if (this.unreadMessages.length > UNREAD_MESSAGES_KEPT) this.unreadMessages.shift()
  }

  // Takes the oldest offer nobody handles yet, or waits for the next one.
  async claimNext(api, eventType, recordKey, state, deadline, what) {
    const agent = this.requireAgent()
    const arrivals = recordEvents(agent, eventType)
    const waiting = (await api.findAllByQuery({ state }))
      .filter((record) => !this.claimedExchanges.has(record.id))
      .sort((a, b) => a.createdAt - b.createdAt)
    let record = waiting[0]
    if (record) {
      arrivals.stop()
    } else {
      const event = await arrivals.until(
        (event) => event.payload[recordKey].state === state && !this.claimedExchanges.has(event.payload[recordKey].id),
        deadline.remaining(),
        what
      )
      record = event.payload[recordKey]
    }
    this.claimedExchanges.add(record.id)
    return record
  }

  async receiveCredential(options) {
    const agent = this.requireAgent()
    const deadline = new Deadline(options.timeoutMs)
    const offer = await this.claimNext(agent.credentials, CredentialEventTypes.CredentialStateChanged, 'credentialRecord', CredentialState.OfferReceived, deadline, 'a credential offer')
    const isThis = (state) => (event) => event.payload.credentialRecord.id === offer.id && event.payload.credentialRecord.state === state
    const received = recordEvents(agent, CredentialEventTypes.CredentialStateChanged)
    await agent.credentials.acceptOffer({ credentialRecordId: offer.id })
    await received.until(isThis(CredentialState.CredentialReceived), deadline.remaining(), 'the credential')
    // Counted as received once stored and acknowledged, not when requested.
    const done = await agent.credentials.acceptCredential({ credentialRecordId: offer.id })
    this.claimedExchanges.delete(offer.id)
    return { credentialExchangeId: done.id, connectionId: done.connectionId || null, state: done.state }
  }

  // A wallet whose app was closed: no pickup, no socket to the mediator (which queues what comes for it).
  goOffline() {
    return this.serially(async () => {
      const agent = this.requireAgent()
      if (!this.mediatorConnectionId) throw new Error('agent has no mediator')
      // first: a closing socket must not bring the reconnecting pickup back
      await agent.mediationRecipient.stopMessagePickup()
      const closed = []
      for (const socket of this.wsTransport.transportTable.values()) {
        closed.push(new Promise((resolve) => socket.addEventListener('close', resolve)))
        socket.close()
      }
      await withTimeout(Promise.all(closed), SOCKET_CLOSE_WAIT_MS, 'the sockets to close')
      return { offline: true }
    })
  }

  // Back: pickup starts again as the strategy says; polled pickup v2 asks at once instead of at its next poll.
  comeOnline(options) {
    return this.serially(async () => {
      const agent = this.requireAgent()
      const mediator = await agent.mediationRecipient.findDefaultMediator()
      if (!mediator) throw new Error('agent has no mediator')
      const strategy = agent.mediationRecipient.config.mediatorPickupStrategy
      await withTimeout(agent.mediationRecipient.initiateMessagePickup(mediator, strategy),
        new Deadline(options.timeoutMs).remaining(), 'pickup to start again')
      if (strategy === MediatorPickupStrategy.PickUpV2) {
        await agent.messagePickup.pickupMessages({ connectionId: mediator.connectionId, protocolVersion: 'v2' })
      }
      return { online: true }
    })
  }

  shutdown() {
    return this.serially(async () => {
      await this.dispose()
      return { stopped: true }
    })
  }

  async dispose() {
    const agent = this.agent
    this.agent = null
    if (agent) {
      try {
        if (agent.isInitialized) await agent.mediationRecipient.stopMessagePickup().catch(() => {})
        await agent.shutdown()
      } catch (error) {
        process.stderr.write(`agent shutdown failed: ${error && error.message}\n`)
      }
    }
    this.mediatorConnectionId = null
    this.openSockets.clear()
    this.claimedExchanges.clear()
    this.unreadMessages = []
  }
}

module.exports = { Wallet, pickupStrategy }
