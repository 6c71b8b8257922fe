// Every bad input the issue names, each answered as Pusher does: HTTP
// status codes to the SDK and hand-signed requests, pusher:error and
// subscription errors on the socket (never a silent drop).
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { app, arrives, client, closeClients, connected, eventually, next, raw, sdk, sdkStatus, signedRequest, unique } from './helpers.mjs'

after(() => closeClients())

test('a wrong secret gets 401 through the SDK', async () => {
  const wrong = sdk({ secret: 'not-the-secret' })
  assert.equal(await sdkStatus(wrong.trigger(unique('c-'), 'e', {})), 401)
  assert.equal(await sdkStatus(wrong.get({ path: '/channels' })), 401)
})

test('a stale auth_timestamp gets 401 even when correctly signed', async () => {
  const old = Math.floor(Date.now() / 1000) - 3600
  const res = await signedRequest('POST', `/apps/${app.app_id}/events`, {
    body: { name: 'e', channels: [unique('c-')], data: '{}' },
    timestamp: old,
  })
  assert.equal(res.status, 401, JSON.stringify(res.body))
  // The same request signed now passes: only the timestamp was wrong.
  const fresh = await signedRequest('POST', `/apps/${app.app_id}/events`, { body: { name: 'e', channels: [unique('c-')], data: '{}' } })
  assert.equal(fresh.status, 200, JSON.stringify(fresh.body))
})

test('an unknown app id gets 404', async () => {
  const other = sdk({ appId: '999999999' })
  assert.equal(await sdkStatus(other.trigger(unique('c-'), 'e', {})), 404)
})

test('an unknown key gets pusher:error 4001 and pusher-js stops', async () => {
  const sock = await raw(0, { key: 'no-such-key' })
  const err = await sock.frame((f) => f.event === 'pusher:error')
  assert.equal(err.data.code, 4001)
  assert.ok(err.data.message)

  const p = client(1, { key: 'no-such-key' })
  const refused = await next(p.connection, 'error')
  assert.equal(refused.error?.data?.code, 4001, JSON.stringify(refused))
  // 4000–4099 tell the client not to reconnect: pusher-js stays disconnected.
  await eventually(() => p.connection.state === 'disconnected', 'pusher-js disconnected')
  assert.equal(await arrives(p.connection, 'connecting', 1500), false, 'pusher-js tried again')
  p.disconnect()
})

test('bad channel names: 400 on the HTTP API, an error on the socket', async () => {
  for (const name of ['has space', 'x'.repeat(201), 'star*name', 'slash/name', '']) {
    const res = await signedRequest('POST', `/apps/${app.app_id}/events`, { body: { name: 'e', channels: [name], data: '{}' } })
    assert.equal(res.status, 400, `channel ${JSON.stringify(name.slice(0, 20))}: ${JSON.stringify(res.body)}`)
  }
  const tooMany = Array.from({ length: 101 }, (_, i) => `c${i}`)
  const res = await signedRequest('POST', `/apps/${app.app_id}/events`, { body: { name: 'e', channels: tooMany, data: '{}' } })
  assert.equal(res.status, 400, JSON.stringify(res.body))

  const sock = await raw(1)
  await sock.frame((f) => f.event === 'pusher:connection_established')
  sock.send('pusher:subscribe', { channel: 'has space' })
  const err = await sock.frame((f) => f.event === 'pusher:error' || f.event === 'pusher:subscription_error')
  if (err.event === 'pusher:error') assert.ok(err.data.code >= 4000 && err.data.code <= 4399, JSON.stringify(err))
  // The socket is still usable after the refusal.
  const ok = unique('ok-')
  sock.send('pusher:subscribe', { channel: ok })
  await sock.frame((f) => f.event === 'pusher_internal:subscription_succeeded' && f.channel === ok)
  sock.close()
})

test('an oversize event gets 413 through the SDK', async () => {
  const status = await sdkStatus(sdk().trigger(unique('big-'), 'e', { blob: 'x'.repeat(20 * 1024) }))
  assert.equal(status, 413)
  const batch = await sdkStatus(sdk().triggerBatch([{ channel: unique('big-'), name: 'e', data: { blob: 'x'.repeat(20 * 1024) } }]))
  assert.equal(batch, 413)
})

test('a forged private auth gets a subscription error on pusher-js and on the socket', async () => {
  const name = unique('private-vault-')
  const p = client(0, {
    channelAuthorization: {
      customHandler: ({ socketId, channelName }, callback) => {
        const forged = createHmac('sha256', 'guessed-secret').update(`${socketId}:${channelName}`).digest('hex')
        callback(null, { auth: `${app.key}:${forged}` })
      },
    },
  })
  await connected(p)
  const channel = p.subscribe(name)
  const failed = await Promise.race([
    next(channel, 'pusher:subscription_error').then((e) => e),
    next(channel, 'pusher:subscription_succeeded').then(() => 'succeeded'),
  ])
  assert.notEqual(failed, 'succeeded', 'a forged signature was accepted')

  const sock = await raw(1)
  const est = await sock.frame((f) => f.event === 'pusher:connection_established')
  const sig = createHmac('sha256', 'guessed-secret').update(`${est.data.socket_id}:${name}`).digest('hex')
  sock.send('pusher:subscribe', { channel: name, auth: `${app.key}:${sig}` })
  const err = await sock.frame((f) => f.event === 'pusher:error' || f.event === 'pusher:subscription_error')
  if (err.event === 'pusher:error') assert.ok(err.data.code >= 4000 && err.data.code <= 4399, JSON.stringify(err))
  // Auth signed for another socket is refused as well.
  const stolen = createHmac('sha256', app.secret).update(`1234.5678:${name}`).digest('hex')
  sock.send('pusher:subscribe', { channel: name, auth: `${app.key}:${stolen}` })
  await sock.frame((f) => f !== err && (f.event === 'pusher:error' || f.event === 'pusher:subscription_error'))
  assert.ok(!sock.frames.some((f) => f.event === 'pusher_internal:subscription_succeeded'))
  sock.close()
})

test('a client event on a public channel is refused with an error', async () => {
  const sock = await raw(0)
  await sock.frame((f) => f.event === 'pusher:connection_established')
  const name = unique('pub-')
  sock.send('pusher:subscribe', { channel: name })
  await sock.frame((f) => f.event === 'pusher_internal:subscription_succeeded')
  sock.ws.send(JSON.stringify({ event: 'client-x', channel: name, data: {} }))
  const err = await sock.frame((f) => f.event === 'pusher:error')
  assert.ok(err.data.code >= 4000 && err.data.code <= 4399, JSON.stringify(err))
  sock.close()
})

test('ping is answered with pong', async () => {
  const sock = await raw(1)
  const est = await sock.frame((f) => f.event === 'pusher:connection_established')
  assert.ok(est.data.activity_timeout > 0)
  sock.send('pusher:ping', {})
  await sock.frame((f) => f.event === 'pusher:pong')
  sock.close()
})
