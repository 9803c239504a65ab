/**
 * A test puppet for the gateway's real mode: it behaves as a real account's
 * puppet does before and after a QR scan, driven by the test over HTTP.
 *
 * Test double: it lives in tests/, never in gateway/. The gateway loads it by
 * path as `--puppet tests/gateway/scan_puppet.mjs`. It builds on PuppetMock
 * (from the gateway's own node_modules) for contact and message payloads.
 *
 * On start it emits `scan` (status Waiting) with TEST_PUPPET_QRCODE, as
 * wechat4u does when it has no session. Control (HTTP on 127.0.0.1,
 * port TEST_PUPPET_PORT):
 *   POST /scan    {qrcode, status}  emit a scan event
 *   POST /login   {id, name}        log the account in (emits login)
 *   POST /logout                    log it out (emits logout)
 *   POST /error   {text}            emit an error event (wechaty-puppet makes it {gerror})
 *   POST /message {talker_id, name, text}  a private message to the account
 *   POST /contact {id, name}        a contact the bot may write to
 *   GET  /state                     {stops, starts, logged_in}: stops that reached the puppet
 *   GET  /sent                      [{to, text}] what the bot sent
 */
import http from 'node:http'

import { PuppetMock } from '../../gateway/node_modules/wechaty-puppet-mock/dist/esm/src/mod.js'
import * as PUPPET from '../../gateway/node_modules/wechaty-puppet/dist/esm/src/mods/mod.js'

const SESSION_SLOT = 'PUPPET-SCAN-TEST'

export class PuppetScanTest extends PuppetMock {
  constructor (options = {}) {
    super(options)
    this.stops = 0
    this.starts = 0
    this.control = undefined
    this.sent = []
  }

  async messageSendText (conversationId, text) {
    this.sent.push({ to: conversationId, text })
    return `sent-${this.sent.length}`
  }

  async onStart () {
    this.starts += 1
    await super.onStart()
    if (!this.control) await this.listenControl()
    // A saved session logs in without a scan, as wechat4u's does (the gateway
    // gives the puppet a memory card in its data directory).
    const saved = await this.memory.get(SESSION_SLOT)
    if (saved?.id) {
      this.ensureContact(saved.id, saved.name)
      setImmediate(() => { void this.login(saved.id) })
      return
    }
    const qrcode = process.env.TEST_PUPPET_QRCODE ?? 'https://login.weixin.qq.com/l/test'
    setImmediate(() => this.emit('scan', { qrcode, status: PUPPET.types.ScanStatus.Waiting }))
  }

  async onStop () {
    this.stops += 1
    if (this.control) {
      this.control.closeAllConnections?.()
      this.control.close()
      this.control = undefined
    }
    await super.onStop()
  }

  ensureContact (id, name) {
    if (!this.mocker.cacheContactPayload.has(id)) {
      this.mocker.ContactMock.create({
        id,
        name,
        avatar: '',
        friend: true,
        gender: PUPPET.types.ContactGender.Female,
        phone: [],
        star: false,
        type: PUPPET.types.Contact.Individual,
        weixin: id,
      })
    }
  }

  async act (route, body) {
    switch (route) {
      case 'POST /scan':
        this.emit('scan', { qrcode: body.qrcode, status: body.status ?? PUPPET.types.ScanStatus.Waiting })
        return {}
      case 'POST /login':
        this.ensureContact(body.id, body.name ?? body.id)
        await this.memory.set(SESSION_SLOT, { id: body.id, name: body.name ?? body.id })
        await this.memory.save()
        await this.login(body.id)
        return {}
      case 'POST /logout':
        await this.logout('logged out on the phone')
        return {}
      case 'POST /error':
        this.emit('error', new Error(body.text))
        return {}
      case 'POST /message': {
        this.ensureContact(body.talker_id, body.name ?? body.talker_id)
        const id = `msg-${Date.now()}-${Math.random().toString(16).slice(2)}`
        this.mocker.MessageMock.create({
          id,
          talkerId: body.talker_id,
          listenerId: this.currentUserId,
          text: body.text,
          timestamp: Date.now(),
          type: PUPPET.types.Message.Text,
        })
        this.emit('message', { messageId: id })
        return { id }
      }
      case 'POST /contact':
        this.ensureContact(body.id, body.name ?? body.id)
        return {}
      case 'GET /sent':
        return this.sent
      case 'GET /state':
        return { stops: this.stops, starts: this.starts, logged_in: this.isLoggedIn }
      default:
        throw new Error(`no route ${route}`)
    }
  }

  async listenControl () {
    const port = Number(process.env.TEST_PUPPET_PORT ?? 0)
    this.control = http.createServer(async (req, res) => {
      const chunks = []
      for await (const chunk of req) chunks.push(chunk)
      const text = Buffer.concat(chunks).toString('utf8')
      let status = 200
      let result
      try {
        result = await this.act(`${req.method} ${req.url}`, text ? JSON.parse(text) : {})
      } catch (e) {
        status = 400
        result = { error: e.message }
      }
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(result))
    })
    await new Promise(resolve => this.control.listen(port, '127.0.0.1', resolve))
  }
}

export default PuppetScanTest
