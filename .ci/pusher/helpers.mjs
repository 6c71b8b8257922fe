// Shared set-up for the Pusher client tests: the two Parley nodes and the
// site's Pusher app (written by setup.mjs, run by ../pusher-check), the
// official clients pointed at them, a host backend that signs channel
// auth with the `pusher` server SDK, and raw protocol sockets for what the
// clients hide.
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import Pusher from 'pusher-js'
import PusherServer from 'pusher'
import WebSocket from 'ws'

export const cfg = JSON.parse(readFileSync(process.env.PARLEY_PUSHER_SETUP, 'utf8'))
export const app = cfg.pusher

/** A name no other test uses. */
export function unique(prefix) {
  return `${prefix}${randomBytes(5).toString('hex')}`
}

/** The address of node i (0 or 1). */
export function node(i) {
  const u = new URL(cfg.nodes[i])
  return { host: u.hostname, port: Number(u.port), url: cfg.nodes[i] }
}

const opened = []

/**
 * A pusher-js client on node i, configured as the README tells a site to
 * (the app's key, wsHost/wsPort, no TLS, WebSocket only).
 */
export function client(i = 0, options = {}) {
  const n = node(i)
  const p = new Pusher(options.key ?? app.key, {
    cluster: 'mt1',
    wsHost: n.host,
    wsPort: n.port,
    forceTLS: false,
    enabledTransports: ['ws'],
    disableStats: true,
    ...options,
  })
  opened.push(p)
  return p
}

const sockets = []

/** Disconnects every client and raw socket a test file opened. */
export function closeClients() {
  for (const p of opened.splice(0)) p.disconnect()
  for (const s of sockets.splice(0)) s.close()
}

/** The `pusher` server SDK for the site's app, on node i. */
export function sdk(options = {}, i = 0) {
  const n = node(i)
  return new PusherServer({
    appId: app.app_id,
    key: app.key,
    secret: app.secret,
    host: i === 0 ? app.host : n.host,
    port: String(i === 0 ? app.port : n.port),
    useTLS: app.scheme === 'https',
    ...options,
  })
}

/** Resolves when a pusher-js client is connected; fails on failed/unavailable. */
export function connected(p, ms = 10000) {
  return new Promise((resolve, reject) => {
    if (p.connection.state === 'connected') return resolve(p.connection.socket_id)
    const timer = setTimeout(() => reject(new Error(`still ${p.connection.state} after ${ms} ms`)), ms)
    p.connection.bind('state_change', ({ current }) => {
      if (current === 'connected') {
        clearTimeout(timer)
        resolve(p.connection.socket_id)
      } else if (current === 'failed' || current === 'unavailable') {
        clearTimeout(timer)
        reject(new Error(`connection went ${current}`))
      }
    })
  })
}

/** Resolves with the data of the first `event` bound on target, or fails after ms. */
export async function next(target, event, ms = 10000) {
  return (await nextWithMeta(target, event, ms)).data
}

/** Resolves with {data, meta} of the first `event` bound on target (meta: pusher-js's metadata, as user_id). */
export function nextWithMeta(target, event, ms = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      target.unbind(event, handler)
      reject(new Error(`no ${event} within ${ms} ms`))
    }, ms)
    function handler(data, meta) {
      clearTimeout(timer)
      target.unbind(event, handler)
      resolve({ data, meta })
    }
    target.bind(event, handler)
  })
}

/** Subscribes and waits for pusher:subscription_succeeded (fails on subscription_error). */
export function subscribed(p, name, ms = 10000) {
  const channel = p.subscribe(name)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: not subscribed within ${ms} ms`)), ms)
    channel.bind('pusher:subscription_succeeded', (members) => {
      clearTimeout(timer)
      resolve({ channel, members })
    })
    channel.bind('pusher:subscription_error', (err) => {
      clearTimeout(timer)
      reject(new Error(`${name}: subscription_error ${JSON.stringify(err)}`))
    })
  })
}

/** Polls check() until it returns a truthy value, or fails naming what after ms. */
export async function eventually(check, what, ms = 10000) {
  const deadline = Date.now() + ms
  let last
  for (;;) {
    try {
      last = await check()
      if (last) return last
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`${what}: not true within ${ms} ms (last: ${last})`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Resolves true if target gets `event` within ms, false otherwise. */
export function arrives(target, event, ms) {
  return next(target, event, ms).then(
    () => true,
    () => false,
  )
}

/**
 * The site's backend, as a Laravel or Express app has it: POST /auth signs
 * private and presence subscriptions and POST /user-auth signs user sign-in
 * with the `pusher` SDK. The user id comes from the form's user_id (the
 * test's stand-in for the app's session).
 */
export async function hostBackend(server = sdk()) {
  const srv = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      const form = new URLSearchParams(body)
      const socketId = form.get('socket_id')
      const userId = form.get('user_id') || 'anonymous'
      let answer
      try {
        if (req.url === '/auth') {
          const channel = form.get('channel_name')
          answer = channel.startsWith('presence-')
            ? server.authorizeChannel(socketId, channel, { user_id: userId, user_info: { name: `User ${userId}` } })
            : server.authorizeChannel(socketId, channel)
        } else if (req.url === '/user-auth') {
          answer = server.authenticateUser(socketId, { id: userId, name: `User ${userId}` })
        } else {
          res.writeHead(404).end()
          return
        }
      } catch (err) {
        res.writeHead(400, { 'Content-Type': 'text/plain' }).end(String(err))
        return
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer))
    })
  })
  await new Promise((r) => srv.listen(0, '127.0.0.1', r))
  const base = `http://127.0.0.1:${srv.address().port}`
  return {
    auth: base + '/auth',
    userAuth: base + '/user-auth',
    close: () =>
      new Promise((r) => {
        srv.close(r)
        srv.closeAllConnections() // not wait for clients' keep-alive connections
      }),
  }
}

/** pusher-js options that authorize channels (and users) at the host backend as user id. */
export function authOptions(backend, userId) {
  return {
    channelAuthorization: { endpoint: backend.auth, transport: 'ajax', params: { user_id: userId } },
    userAuthentication: { endpoint: backend.userAuth, transport: 'ajax', params: { user_id: userId } },
  }
}

/**
 * A raw protocol-7 socket on node i: frames arrive decoded (data parsed
 * when it is a JSON string) in order; frame(pred) waits for one.
 */
export async function raw(i = 0, { key = app.key, origin } = {}) {
  const n = node(i)
  const ws = new WebSocket(`ws://${n.host}:${n.port}/app/${key}?protocol=7&client=parley-ci&version=1`, origin ? { origin } : {})
  const frames = []
  const waiters = []
  let closed = null
  ws.on('message', (b) => {
    const f = JSON.parse(String(b))
    if (typeof f.data === 'string') {
      try {
        f.data = JSON.parse(f.data)
      } catch {
        // Event data that is not JSON stays a string.
      }
    }
    frames.push(f)
    for (const w of waiters.slice()) w()
  })
  ws.on('close', (code, reason) => {
    closed = { code, reason: String(reason) }
    for (const w of waiters.slice()) w()
  })
  const sock = {
    ws,
    frames,
    get closed() {
      return closed
    },
    send: (event, data) => ws.send(JSON.stringify({ event, data })),
    frame(pred, ms = 10000) {
      return new Promise((resolve, reject) => {
        let seen = 0
        const check = () => {
          for (; seen < frames.length; seen++) {
            if (pred(frames[seen])) {
              const f = frames[seen]
              done()
              return resolve(f)
            }
          }
          if (closed) {
            done()
            reject(new Error(`socket closed ${JSON.stringify(closed)} before the frame; frames: ${JSON.stringify(frames)}`))
          }
        }
        const timer = setTimeout(() => {
          done()
          reject(new Error(`no such frame within ${ms} ms; frames: ${JSON.stringify(frames)}`))
        }, ms)
        function done() {
          clearTimeout(timer)
          const k = waiters.indexOf(check)
          if (k >= 0) waiters.splice(k, 1)
        }
        waiters.push(check)
        check()
      })
    },
    close: () => ws.terminate(),
  }
  sockets.push(sock)
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade answered ${res.statusCode}`)))
  })
  return sock
}

/**
 * A request to the HTTP API signed by hand as Pusher documents it, for what
 * the SDK refuses to send (stale timestamps, bad channel names).
 */
export async function signedRequest(method, path, { body, params = {}, timestamp, secret = app.secret, key = app.key, i = 0 } = {}) {
  const text = body === undefined ? '' : JSON.stringify(body)
  const query = { ...params, auth_key: key, auth_timestamp: String(timestamp ?? Math.floor(Date.now() / 1000)), auth_version: '1.0' }
  if (text) query.body_md5 = createHash('md5').update(text).digest('hex')
  const sorted = Object.keys(query)
    .sort()
    .map((k) => `${k.toLowerCase()}=${query[k]}`)
    .join('&')
  const signature = createHmac('sha256', secret).update(`${method}\n${path}\n${sorted}`).digest('hex')
  const qs = new URLSearchParams({ ...query, auth_signature: signature })
  const res = await fetch(`${node(i).url}${path}?${qs}`, {
    method,
    headers: text ? { 'Content-Type': 'application/json' } : {},
    body: text || undefined,
  })
  const answer = await res.text()
  let parsed = answer
  try {
    parsed = JSON.parse(answer)
  } catch {
    // Pusher answers some errors as plain text.
  }
  return { status: res.status, body: parsed }
}

/** The status of a rejected SDK call (PusherRequestError.status). */
export async function sdkStatus(promise) {
  try {
    const res = await promise
    return res.status
  } catch (err) {
    if (err.status === undefined) throw err
    return err.status
  }
}
