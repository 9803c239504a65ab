#!/usr/bin/env node
/**
 * wishpool test gateway: a fake WeChat account for tests and demos.
 *
 * It serves `wechaty-puppet-mock` through the real `wechaty-puppet-service`
 * gRPC server (the same server a real WeChat gateway runs), so the Python bot
 * connects to it exactly as it would to a real gateway: endpoint + token.
 *
 * A second, local-only HTTP JSON interface lets tests and the demo drive the
 * fake account: create contacts and rooms, make a contact say something, and
 * read what the bot said. See README.md for the API.
 *
 * stdout carries exactly one line, "GATEWAY READY grpc=<port> control=<port>",
 * printed once the gRPC server listens and the fake bot user is logged in.
 * Everything else (our logs and wechaty's) goes to stderr.
 *
 * `--mode real` serves a real WeChat account instead: the same PuppetServer in
 * front of a puppet package chosen by name (default wechaty-puppet-wechat4u),
 * the fake-account control endpoints off, the login QR code shown and kept
 * (GET /login), the session kept in the data directory. See RealGateway.
 */
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import { parseArgs } from 'node:util'

import { MemoryCard } from 'memory-card'
import qrcodeTerminal from 'qrcode-terminal'
import * as PUPPET from 'wechaty-puppet'
import { PuppetServer } from 'wechaty-puppet-service'
import { PuppetMock } from 'wechaty-puppet-mock'

// ---------------------------------------------------------------------------
// stdout is reserved for the READY line: brolog (wechaty's logger) writes its
// info level through console.info, which goes to stdout by default.
// ---------------------------------------------------------------------------
const toStderr = (...args) => console.error(...args)
console.log = toStderr
console.info = toStderr

const AT_SEPARATOR = '\u2005' // WeChat writes "@Name" + U+2005 for a mention
const MESSAGE_TYPE_TEXT = PUPPET.types.Message.Text // 7
const HEARTBEAT_MS = 15_000 // wechaty-puppet's watchdog resets after 60 s of silence
const MAX_WAIT_MS = 60_000
const MODES = ['fake', 'real']
const DEFAULT_REAL_PUPPET = 'wechaty-puppet-wechat4u'

// ---------------------------------------------------------------------------
// configuration: CLI args win over env vars, env vars over defaults
// ---------------------------------------------------------------------------
function readConfig () {
  const { values } = parseArgs({
    options: {
      'grpc-host': { type: 'string' },
      'grpc-port': { type: 'string' },
      'control-host': { type: 'string' },
      'control-port': { type: 'string' },
      token: { type: 'string' },
      'bot-id': { type: 'string' },
      'bot-name': { type: 'string' },
      mode: { type: 'string' },
      puppet: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (values.help) {
    process.stderr.write(
      'usage: node server.js [--grpc-port N] [--control-port N] [--token T]\n' +
      '                      [--bot-id ID] [--bot-name NAME] [--grpc-host H] [--control-host H]\n' +
      '                      [--mode fake|real] [--puppet PACKAGE] [--data-dir DIR]\n' +
      'env: GATEWAY_GRPC_PORT GATEWAY_CONTROL_PORT GATEWAY_TOKEN GATEWAY_BOT_ID GATEWAY_BOT_NAME\n' +
      '     GATEWAY_GRPC_HOST GATEWAY_CONTROL_HOST   (port 0 = any free port; see the READY line)\n' +
      '     GATEWAY_MODE GATEWAY_PUPPET GATEWAY_DATA_DIR   (real mode: a real WeChat account)\n',
    )
    process.exit(0)
  }
  const env = process.env
  const port = (v, name) => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < 0 || n > 65535) {
      throw new Error(`invalid ${name}: ${v}`)
    }
    return n
  }
  const config = {
    grpcHost: values['grpc-host'] ?? env.GATEWAY_GRPC_HOST ?? '127.0.0.1',
    grpcPort: port(values['grpc-port'] ?? env.GATEWAY_GRPC_PORT ?? '8788', 'grpc port'),
    controlHost: values['control-host'] ?? env.GATEWAY_CONTROL_HOST ?? '127.0.0.1',
    controlPort: port(values['control-port'] ?? env.GATEWAY_CONTROL_PORT ?? '8789', 'control port'),
    token: values.token ?? env.GATEWAY_TOKEN ?? 'wishpool-local-gateway',
    botId: values['bot-id'] ?? env.GATEWAY_BOT_ID ?? 'wxid_wishpool_bot',
    botName: values['bot-name'] ?? env.GATEWAY_BOT_NAME ?? '心愿池',
    mode: values.mode ?? env.GATEWAY_MODE ?? 'fake',
    puppet: values.puppet ?? env.GATEWAY_PUPPET ?? DEFAULT_REAL_PUPPET,
    dataDir: path.resolve(values['data-dir'] ?? env.GATEWAY_DATA_DIR ?? 'data/gateway'),
  }
  if (!MODES.includes(config.mode)) {
    throw new Error(`invalid mode: ${config.mode} (one of ${MODES.join(', ')})`)
  }
  // The Python client sends the token as the HTTP/2 :authority header.
  if (!/^[A-Za-z0-9._~-]+$/.test(config.token)) {
    throw new Error('token must only use letters, digits and . _ ~ - (it travels as :authority)')
  }
  return config
}

function logInfo (...args) {
  console.error(new Date().toISOString(), 'gateway', ...args)
}

// ---------------------------------------------------------------------------
// the puppet: PuppetMock that records what the bot sends
// ---------------------------------------------------------------------------
class GatewayPuppet extends PuppetMock {
  constructor (options, gateway) {
    super(options)
    this.gateway = gateway
    this.shuttingDown = false
  }

  /**
   * A real gateway keeps the WeChat account logged in while bot clients come
   * and go; the Python client calls stop() then start() each time it connects.
   * So stop() from a client is a no-op here: the account stays logged in, and
   * the next event stream is replayed `login` (and `ready`) by the server.
   * Only shutdown() really stops the puppet.
   */
  async stop () {
    if (!this.shuttingDown) {
      logInfo('client asked to stop the puppet: keeping the fake account logged in')
      return
    }
    return super.stop()
  }

  async shutdown () {
    this.shuttingDown = true
    await super.stop()
  }

  async messageSendText (conversationId, text, mentionIdList) {
    return this.gateway.recordSent(conversationId, {
      type: MESSAGE_TYPE_TEXT,
      text,
      mentionIdList: mentionIdList ?? [],
    })
  }

  async messageSendContact (conversationId, contactId) {
    return this.gateway.recordSent(conversationId, {
      type: PUPPET.types.Message.Contact,
      text: contactId,
      mentionIdList: [],
    })
  }

  async messageSendUrl (conversationId, urlLinkPayload) {
    return this.gateway.recordSent(conversationId, {
      type: PUPPET.types.Message.Url,
      text: JSON.stringify(urlLinkPayload),
      mentionIdList: [],
    })
  }
}

// ---------------------------------------------------------------------------
// the gateway state + control operations
// ---------------------------------------------------------------------------
class HttpError extends Error {
  constructor (status, message) {
    super(message)
    this.status = status
  }
}

class Gateway {
  constructor (config) {
    this.config = config
    this.puppet = new GatewayPuppet({}, this)
    this.mocker = this.puppet.mocker
    this.sent = [] // [{seq, id, room_id, to_id, text, mention_ids, at, type}]
    this.seq = 0
    this.waiters = new Set() // long-poll requests of GET /sent
    this.ready = false
    this.heartbeatTimer = undefined
    // Our "environment" runs each time the mocker starts: log the bot in (no QR).
    this.mocker.use((mocker) => {
      this.ensureBotContact()
      if (!this.puppet.isLoggedIn) {
        mocker.login(mocker.ContactMock.load(this.config.botId))
      }
      // Real puppets emit `ready` once contacts and rooms are synced.
      setImmediate(() => this.puppet.emit('ready', { data: 'fake account ready' }))
      return () => {}
    })
  }

  get botId () { return this.config.botId }

  ensureBotContact () {
    if (!this.mocker.cacheContactPayload.has(this.botId)) {
      this.createContact({ id: this.botId, name: this.config.botName })
    }
  }

  /** true when a bot client has an event stream open (it listens to `message`). */
  clientConnected () {
    return this.puppet.listenerCount('message') > 0
  }

  async start () {
    const puppetServer = new PuppetServer({
      endpoint: `${this.config.grpcHost}:${this.config.grpcPort}`,
      puppet: this.puppet,
      token: this.config.token,
      tls: { disable: true },
    })
    this.puppetServer = puppetServer

    const loggedIn = new Promise(resolve => this.puppet.once('login', resolve))
    const readyEvent = new Promise(resolve => this.puppet.once('ready', resolve))
    await this.puppet.start()
    await Promise.all([loggedIn, readyEvent])

    // PuppetServer.start() hides the bound port; bind 0 → read it back from grpc-js.
    await puppetServer.start()
    this.grpcPort = this.config.grpcPort || boundPort(puppetServer)

    this.heartbeatTimer = setInterval(() => {
      this.puppet.emit('heartbeat', { data: 'wishpool gateway heartbeat' })
    }, HEARTBEAT_MS)

    this.httpServer = http.createServer((req, res) => this.handle(req, res))
    await new Promise((resolve, reject) => {
      this.httpServer.once('error', reject)
      this.httpServer.listen(this.config.controlPort, this.config.controlHost, resolve)
    })
    this.controlPort = this.httpServer.address().port
    this.ready = true
  }

  async stop () {
    this.ready = false
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer)
    for (const waiter of this.waiters) waiter.finish()
    if (this.httpServer) {
      this.httpServer.closeAllConnections?.()
      await new Promise(resolve => this.httpServer.close(() => resolve()))
    }
    if (this.puppetServer) await this.puppetServer.stop()
    await this.puppet.shutdown()
  }

  // -- contacts / rooms ----------------------------------------------------

  createContact ({ id, name, alias, gender }) {
    if (typeof name !== 'string' || !name) throw new HttpError(400, 'name is required')
    id = id ?? `wxid_${randomUUID().replaceAll('-', '').slice(0, 16)}`
    if (typeof id !== 'string' || !id || id.includes('@')) {
      throw new HttpError(400, 'contact id must be a non-empty string without "@"')
    }
    const existing = this.mocker.cacheContactPayload.get(id)
    if (existing) {
      Object.assign(existing, { name, alias: alias ?? existing.alias })
      return { id, created: false }
    }
    this.mocker.ContactMock.create({
      id,
      name,
      alias,
      avatar: '',
      friend: true,
      gender: gender ?? PUPPET.types.ContactGender.Female,
      phone: [],
      star: false,
      type: PUPPET.types.Contact.Individual,
      weixin: id,
    })
    return { id, created: true }
  }

  createRoom ({ id, topic, member_ids: memberIds }) {
    if (typeof topic !== 'string' || !topic) throw new HttpError(400, 'topic is required')
    id = id ?? `${randomUUID().replaceAll('-', '').slice(0, 16)}@chatroom`
    if (typeof id !== 'string' || !id.includes('@')) {
      throw new HttpError(400, 'room id must contain "@", e.g. 1234@chatroom')
    }
    memberIds = Array.isArray(memberIds) ? memberIds : []
    for (const m of memberIds) this.requireContact(m)
    const memberIdList = [this.botId, ...memberIds.filter(m => m !== this.botId)]
    const existing = this.mocker.cacheRoomPayload.get(id)
    if (existing) {
      Object.assign(existing, { topic, memberIdList })
      return { id, created: false }
    }
    this.mocker.RoomMock.create({
      id,
      topic,
      memberIdList,
      adminIdList: [],
      avatar: '',
      ownerId: memberIds[0] ?? this.botId,
    })
    return { id, created: true }
  }

  /**
   * Members join a room, as WeChat reports it: emits `room-join` (by default the
   * bot joins, invited by the room owner). Invitees become members of the room.
   */
  joinRoom (roomId, body) {
    const room = this.requireRoom(roomId)
    const inviteeIds = body.invitee_ids ?? [this.botId]
    if (!Array.isArray(inviteeIds) || inviteeIds.length === 0) {
      throw new HttpError(400, 'invitee_ids must be a non-empty list')
    }
    for (const id of inviteeIds) this.requireContact(id)
    const inviterId = body.inviter_id ??
      [room.ownerId, ...room.memberIdList].find(m => m && !inviteeIds.includes(m))
    if (!inviterId) throw new HttpError(400, 'inviter_id is required (no other member)')
    this.requireContact(inviterId)
    for (const id of inviteeIds) {
      if (!room.memberIdList.includes(id)) room.memberIdList.push(id)
    }
    this.puppet.emit('room-join', {
      roomId, inviteeIdList: [...inviteeIds], inviterId, timestamp: Date.now(),
    })
    return {
      room_id: roomId,
      invitee_ids: inviteeIds,
      inviter_id: inviterId,
      delivered: this.clientConnected(),
    }
  }

  requireContact (id) {
    const payload = this.mocker.cacheContactPayload.get(id)
    if (!payload) throw new HttpError(400, `unknown contact: ${id}`)
    return payload
  }

  requireRoom (id) {
    const payload = this.mocker.cacheRoomPayload.get(id)
    if (!payload) throw new HttpError(400, `unknown room: ${id}`)
    return payload
  }

  // -- messages in -----------------------------------------------------------

  /**
   * Emit a `message` event as WeChat would. Mentions: unless `raw` is true, the
   * gateway writes "@Name\u2005" at the front of the text for every mentioned
   * contact whose "@Name" is not already in the text (so callers may also place
   * the mention themselves anywhere in the text).
   */
  injectMessage (body) {
    const { talker_id: talkerId, room_id: roomId, text, raw } = body
    const mentionIds = body.mention_ids ?? []
    if (!Array.isArray(mentionIds)) throw new HttpError(400, 'mention_ids must be a list')

    if (body.id !== undefined && this.mocker.cacheMessagePayload.has(body.id)) {
      // Redelivery: the same message event again (WeChat does this after reconnects).
      this.puppet.emit('message', { messageId: body.id })
      return { id: body.id, redelivered: true, delivered: this.clientConnected() }
    }

    if (typeof text !== 'string') throw new HttpError(400, 'text is required')
    this.requireContact(talkerId)
    if (talkerId === this.botId) throw new HttpError(400, 'talker_id is the bot itself')
    let prefix = ''
    if (roomId !== undefined && roomId !== null) {
      const room = this.requireRoom(roomId)
      if (!room.memberIdList.includes(talkerId)) {
        throw new HttpError(400, `contact ${talkerId} is not a member of room ${roomId}`)
      }
      for (const mentionId of mentionIds) {
        const name = this.requireContact(mentionId).name
        if (!raw && !text.includes(`@${name}`)) prefix += `@${name}${AT_SEPARATOR}`
      }
    } else if (mentionIds.length > 0) {
      throw new HttpError(400, 'mentions only exist in rooms')
    }

    const id = body.id ?? randomUUID().replaceAll('-', '')
    const payload = {
      id,
      talkerId,
      text: prefix + text,
      timestamp: Number.isFinite(body.timestamp) ? body.timestamp : Date.now(),
      type: MESSAGE_TYPE_TEXT,
      ...(roomId
        ? { roomId, mentionIdList: mentionIds }
        : { listenerId: this.botId }),
    }
    this.mocker.MessageMock.create(payload)
    this.puppet.emit('message', { messageId: id })
    return { id, text: payload.text, redelivered: false, delivered: this.clientConnected() }
  }

  // -- messages out ----------------------------------------------------------

  /** Called by the puppet when the bot sends something. Returns the message id. */
  recordSent (conversationId, { type, text, mentionIdList }) {
    if (!this.puppet.isLoggedIn) throw new Error('not logged in')
    const isRoom = conversationId.includes('@')
    if (isRoom) this.requireRoom(conversationId)
    else this.requireContact(conversationId)

    const id = randomUUID().replaceAll('-', '')
    const at = Date.now()
    const entry = {
      seq: ++this.seq,
      id,
      room_id: isRoom ? conversationId : null,
      to_id: isRoom ? null : conversationId,
      text,
      mention_ids: [...mentionIdList],
      type,
      at,
    }
    this.sent.push(entry)
    logInfo('bot said', JSON.stringify(entry))

    // Echo: real puppets (and the stock mock) report the bot's own messages as
    // `message` events with the bot as talker. Bots must ignore them (is_self()).
    this.mocker.MessageMock.create({
      id,
      talkerId: this.botId,
      text,
      timestamp: at,
      type,
      ...(isRoom
        ? { roomId: conversationId, mentionIdList: [...mentionIdList] }
        : { listenerId: conversationId }),
    })
    setImmediate(() => this.puppet.emit('message', { messageId: id }))

    for (const waiter of this.waiters) waiter.check()
    return id
  }

  sentAfter (after) {
    return this.sent.filter(e => e.seq > after)
  }

  waitSent (after, waitMs) {
    const now = this.sentAfter(after)
    if (now.length > 0 || waitMs <= 0) return Promise.resolve(now)
    return new Promise(resolve => {
      const waiter = {
        check: () => {
          const found = this.sentAfter(after)
          if (found.length > 0) waiter.finish(found)
        },
        finish: (found = []) => {
          clearTimeout(waiter.timer)
          this.waiters.delete(waiter)
          resolve(found)
        },
      }
      waiter.timer = setTimeout(() => waiter.finish([]), Math.min(waitMs, MAX_WAIT_MS))
      this.waiters.add(waiter)
    })
  }

  health () {
    return {
      ready: this.ready,
      logged_in: this.puppet.isLoggedIn,
      bot_id: this.botId,
      bot_name: this.mocker.cacheContactPayload.get(this.botId)?.name ?? this.config.botName,
      client_connected: this.clientConnected(),
      last_seq: this.seq,
    }
  }

  // -- HTTP --------------------------------------------------------------------

  async handle (req, res) {
    const url = new URL(req.url, 'http://localhost')
    const route = `${req.method} ${url.pathname.replace(/\/+$/, '') || '/'}`
    let status = 200
    let result
    try {
      switch (route) {
        case 'GET /health':
          result = this.health()
          break
        case 'GET /login':
          result = {
            mode: 'fake',
            state: this.puppet.isLoggedIn ? 'logged_in' : 'logged_out',
            user_id: this.botId,
            user_name: this.health().bot_name,
            qrcode: null,
            since: null,
            logouts: 0,
            client_connected: this.clientConnected(),
          }
          break
        case 'POST /contacts':
          result = this.createContact(await readJson(req))
          break
        case 'GET /contacts':
          result = [...this.mocker.cacheContactPayload.values()].map(c => ({ id: c.id, name: c.name }))
          break
        case 'POST /rooms':
          result = this.createRoom(await readJson(req))
          break
        case 'GET /rooms':
          result = [...this.mocker.cacheRoomPayload.values()].map(r => ({
            id: r.id, topic: r.topic, member_ids: r.memberIdList,
          }))
          break
        case 'POST /messages':
          result = this.injectMessage(await readJson(req))
          break
        case 'GET /sent': {
          const after = Number(url.searchParams.get('after') ?? 0)
          const waitMs = Number(url.searchParams.get('wait_ms') ?? 0)
          if (!Number.isFinite(after) || !Number.isFinite(waitMs)) {
            throw new HttpError(400, 'after and wait_ms must be numbers')
          }
          result = await this.waitSent(after, waitMs)
          break
        }
        case 'POST /reset':
          // forget what the bot said (seq keeps increasing); contacts/rooms stay.
          this.sent = []
          result = { ok: true, last_seq: this.seq }
          break
        default: {
          const join = route.match(/^POST \/rooms\/([^/]+)\/join$/)
          if (!join) throw new HttpError(404, `no route ${route}`)
          result = this.joinRoom(decodeURIComponent(join[1]), await readJson(req))
        }
      }
    } catch (e) {
      status = e instanceof HttpError ? e.status : 500
      result = { error: e.message }
      if (status === 500) logInfo('control error', e.stack)
    }
    const body = JSON.stringify(result)
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    })
    res.end(body)
  }
}

// ---------------------------------------------------------------------------
// real mode: a real WeChat account behind the same PuppetServer
// ---------------------------------------------------------------------------
const SCAN_STATUS = PUPPET.types.ScanStatus

/**
 * Loads a puppet class from a package name (or a path to an ES module, for tests):
 * its default export, else its first export whose name starts with "Puppet".
 */
async function loadPuppetClass (spec) {
  const target = spec.startsWith('/') || spec.startsWith('.')
    ? new URL(`file://${path.resolve(spec)}`).href
    : spec
  const mod = await import(target)
  const candidate = typeof mod.default === 'function'
    ? mod.default
    : Object.entries(mod).find(([k, v]) => k.startsWith('Puppet') && typeof v === 'function')?.[1]
  if (!candidate) throw new Error(`no puppet class exported by ${spec}`)
  return candidate
}

/**
 * The puppet class, made fit to serve one WeChat account to bot clients that
 * come and go. python-wechaty 0.10.7 sends stop() then start() on every
 * connect; a real puppet's stop() logs the account out (wechat4u's logs out on
 * WeChat's side and deletes the saved session), so stop() is never passed on:
 * not for a client, and not when the gateway itself shuts down.
 */
function servedPuppetClass (Base) {
  return class ServedPuppet extends Base {
    async stop () {
      this.ignoredStops = (this.ignoredStops ?? 0) + 1
      logInfo('client asked to stop the puppet: ignored, the account stays logged in')
    }
  }
}

/** A readable text for an error payload: wechaty-puppet 1.x sends {gerror: "<GError JSON>"}. */
function errorText (payload) {
  if (payload instanceof Error) return payload.message
  if (payload && typeof payload === 'object') {
    if (typeof payload.data === 'string') return payload.data
    if (typeof payload.gerror === 'string') {
      try {
        const parsed = JSON.parse(payload.gerror)
        return String(parsed?.message ?? payload.gerror)
      } catch (_) {
        return payload.gerror
      }
    }
  }
  return String(payload)
}

class RealGateway {
  constructor (config) {
    this.config = config
    this.ready = false
    this.heartbeatTimer = undefined
    this.login = {
      mode: 'real',
      puppet: config.puppet,
      state: 'starting', // starting | waiting_scan | logged_in | logged_out
      qrcode: null, // the login URL to scan while waiting
      qr_status: null,
      user_id: null,
      user_name: null,
      since: Date.now(),
      last_error: null,
      logouts: 0,
      scans: 0,
    }
  }

  async start () {
    const Base = await loadPuppetClass(this.config.puppet)
    const Served = servedPuppetClass(Base)
    const puppet = new Served({})
    this.puppet = puppet

    // The session (wechat4u keeps its login cookies in the puppet's memory card)
    // lives in the data directory, so a restart logs back in without a scan.
    fs.mkdirSync(this.config.dataDir, { recursive: true })
    const memory = new MemoryCard({ name: path.join(this.config.dataDir, 'session') })
    await memory.load()
    puppet.setMemory(memory)
    this.watch(puppet)

    // The server first: it keeps the last scan event and replays it to a client
    // that connects while the account waits to be scanned (its listener must see
    // the puppet's first QR code).
    this.puppetServer = new PuppetServer({
      endpoint: `${this.config.grpcHost}:${this.config.grpcPort}`,
      puppet,
      token: this.config.token,
      tls: { disable: true },
    })
    await this.puppetServer.start()
    this.grpcPort = this.config.grpcPort || boundPort(this.puppetServer)

    // Heartbeats whatever the puppet emits: the client and wechaty-puppet's
    // watchdog both give up after 60 s of silence.
    this.heartbeatTimer = setInterval(() => {
      puppet.emit('heartbeat', { data: 'wishpool gateway heartbeat' })
    }, HEARTBEAT_MS)

    this.httpServer = http.createServer((req, res) => this.handle(req, res))
    await new Promise((resolve, reject) => {
      this.httpServer.once('error', reject)
      this.httpServer.listen(this.config.controlPort, this.config.controlHost, resolve)
    })
    this.controlPort = this.httpServer.address().port

    await puppet.start()
    this.ready = true
  }

  watch (puppet) {
    const set = (fields) => Object.assign(this.login, fields, { since: Date.now() })
    puppet.on('scan', ({ qrcode, status }) => {
      this.login.scans += 1
      const waiting = status === SCAN_STATUS.Waiting || status === SCAN_STATUS.Timeout
      set({ state: 'waiting_scan', qrcode: qrcode ?? null, qr_status: status })
      if (waiting && qrcode) {
        logInfo(`scan this QR code with the bot's WeChat to log in (or open GET /login): ${qrcode}`)
        qrcodeTerminal.generate(qrcode, { small: true }, text => process.stderr.write(text + '\n'))
      }
    })
    puppet.on('login', async ({ contactId }) => {
      set({ state: 'logged_in', qrcode: null, qr_status: null, user_id: contactId, user_name: null })
      logInfo(`logged in as ${contactId}`)
      try {
        const payload = await puppet.contactPayload(contactId)
        this.login.user_name = payload?.name ?? null
      } catch (e) {
        logInfo('could not read the logged-in contact', errorText(e))
      }
    })
    puppet.on('logout', ({ contactId, data }) => {
      this.login.logouts += 1
      set({ state: 'logged_out', qrcode: null, qr_status: null })
      logInfo(`logged out ${contactId ?? ''}: ${data ?? ''}`)
    })
    // python-wechaty 0.10.7 reads an error event's `data` (required) and ends its
    // event stream on the {gerror} that wechaty-puppet 1.x sends: add `data`
    // before the PuppetServer's own listener (added per stream, after this one)
    // serialises the payload.
    puppet.prependListener('error', (payload) => {
      const text = errorText(payload)
      if (payload && typeof payload === 'object' && !(payload instanceof Error) &&
          typeof payload.data !== 'string') {
        payload.data = text
      }
      // wechat4u retries offline many times a second: log a text once a minute.
      const last = this.login.last_error
      if (!last || last.text !== text || Date.now() - last.at > 60_000) logInfo('puppet error:', text)
      this.login.last_error = { text, at: Date.now() }
    })
  }

  clientConnected () {
    return this.puppet.listenerCount('message') > 0
  }

  loginState () {
    return {
      ...this.login,
      logged_in: this.puppet.isLoggedIn,
      client_connected: this.clientConnected(),
      ignored_stops: this.puppet.ignoredStops ?? 0,
    }
  }

  async stop () {
    this.ready = false
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer)
    if (this.httpServer) {
      this.httpServer.closeAllConnections?.()
      await new Promise(resolve => this.httpServer.close(() => resolve()))
    }
    if (this.puppetServer) await this.puppetServer.stop()
    // The puppet is not stopped (see servedPuppetClass): the process ends with the
    // account still logged in and its session in the memory card, so the next
    // start logs back in without a scan.
    if (this.puppet?.memory) await this.puppet.memory.save().catch(() => {})
  }

  async handle (req, res) {
    const url = new URL(req.url, 'http://localhost')
    const route = `${req.method} ${url.pathname.replace(/\/+$/, '') || '/'}`
    let status = 200
    let result
    switch (route) {
      case 'GET /health':
        result = {
          ready: this.ready,
          mode: 'real',
          logged_in: this.puppet.isLoggedIn,
          bot_id: this.login.user_id,
          bot_name: this.login.user_name,
          client_connected: this.clientConnected(),
        }
        break
      case 'GET /login':
        result = this.loginState()
        break
      case 'GET /login/qr.txt': {
        // The QR code as terminal text, for a page that shows it in <pre>.
        const qrcode = this.login.state === 'waiting_scan' ? this.login.qrcode : null
        const text = qrcode
          ? await new Promise(resolve => qrcodeTerminal.generate(qrcode, { small: true }, resolve))
          : ''
        res.writeHead(qrcode ? 200 : 404, { 'content-type': 'text/plain; charset=utf-8' })
        res.end(text)
        return
      }
      default:
        // The fake account's control endpoints do not exist for a real account.
        status = 404
        result = { error: `no route ${route} in real mode` }
    }
    const body = JSON.stringify(result)
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    })
    res.end(body)
  }
}

function boundPort (puppetServer) {
  // grpc-js keeps the bound ports in `boundPorts` (>=1.10) keyed by address;
  // fall back to the configured one.
  const server = puppetServer.grpcServer
  for (const value of server?.boundPorts?.values?.() ?? []) {
    const port = value?.portNumber
    if (port) return port
  }
  throw new Error('cannot read the gRPC port; pass an explicit --grpc-port')
}

async function readJson (req) {
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  const text = Buffer.concat(chunks).toString('utf8')
  if (!text) return {}
  try {
    const value = JSON.parse(text)
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new Error('not an object')
    }
    return value
  } catch (e) {
    throw new HttpError(400, `body must be a JSON object: ${e.message}`)
  }
}

// ---------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------
async function main () {
  const config = readConfig()
  const gateway = config.mode === 'real' ? new RealGateway(config) : new Gateway(config)
  const t0 = Date.now()

  let stopping = false
  const shutdown = async (signal) => {
    if (stopping) return
    stopping = true
    logInfo(`${signal}: shutting down`)
    const force = setTimeout(() => process.exit(1), 5000)
    force.unref()
    try {
      await gateway.stop()
    } catch (e) {
      logInfo('shutdown error', e.stack)
    }
    process.exit(0)
  }
  process.on('SIGTERM', () => { void shutdown('SIGTERM') })
  process.on('SIGINT', () => { void shutdown('SIGINT') })

  await gateway.start()
  const who = config.mode === 'real'
    ? `real account via ${config.puppet}, session in ${config.dataDir}`
    : `bot ${config.botId} (${config.botName})`
  logInfo(`ready in ${Date.now() - t0} ms: ${who}, ` +
    `grpc ${config.grpcHost}:${gateway.grpcPort}, control http://${config.controlHost}:${gateway.controlPort}`)
  process.stdout.write(`GATEWAY READY grpc=${gateway.grpcPort} control=${gateway.controlPort}\n`)
}

main().catch((e) => {
  console.error('gateway failed to start:', e?.stack ?? e)
  process.exit(1)
})
