// pusher-js (Node build) and the `pusher` server SDK against two Parley
// nodes: every channel type, client events, batches, socket exclusion,
// channel queries, users and terminate_connections.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import {
  app,
  arrives,
  authOptions,
  client,
  closeClients,
  connected,
  eventually,
  hostBackend,
  next,
  nextWithMeta,
  raw,
  sdk,
  subscribed,
  unique,
} from './helpers.mjs'

let backend
const pusher = sdk()

before(async () => {
  backend = await hostBackend()
})
after(async () => {
  closeClients()
  await backend.close()
})

test('pusher-js connects to each node with the app key', async () => {
  for (const i of [0, 1]) {
    const p = client(i)
    const socketId = await connected(p)
    assert.match(socketId, /^\d+\.\d+$/)
  }
})

test('a public channel gets an event triggered by the server SDK, on both nodes', async () => {
  const name = unique('orders-')
  const a = client(0)
  const b = client(1)
  const [{ channel: ca }, { channel: cb }] = await Promise.all([subscribed(a, name), subscribed(b, name)])
  const gotA = next(ca, 'order-shipped')
  const gotB = next(cb, 'order-shipped')
  const res = await pusher.trigger(name, 'order-shipped', { id: 42, note: '已发货' })
  assert.equal(res.status, 200)
  assert.deepEqual(await gotA, { id: 42, note: '已发货' })
  assert.deepEqual(await gotB, { id: 42, note: '已发货' })
})

test('a private channel authorized by the host backend with the SDK', async () => {
  const name = unique('private-invoices-')
  const p = client(1, authOptions(backend, 'alice'))
  const { channel } = await subscribed(p, name)
  const got = next(channel, 'paid')
  await pusher.trigger(name, 'paid', { amount: 100 })
  assert.deepEqual(await got, { amount: 100 })
})

test('presence: members list, member_added and member_removed across the two nodes', async () => {
  const name = unique('presence-room-')
  const a = client(0, authOptions(backend, 'alice'))
  const { channel: ca, members: first } = await subscribed(a, name)
  assert.equal(first.count, 1)
  assert.equal(first.me.id, 'alice')
  assert.deepEqual(first.me.info, { name: 'User alice' })

  const added = next(ca, 'pusher:member_added')
  const b = client(1, authOptions(backend, 'bob'))
  const { members: second } = await subscribed(b, name)
  assert.equal(second.count, 2)
  const ids = []
  second.each((m) => ids.push(m.id))
  assert.deepEqual(ids.sort(), ['alice', 'bob'])
  const member = await added
  assert.equal(member.id, 'bob')
  assert.deepEqual(member.info, { name: 'User bob' })
  assert.equal(ca.members.count, 2)

  const removed = next(ca, 'pusher:member_removed')
  b.disconnect()
  assert.equal((await removed).id, 'bob')
  assert.equal(ca.members.count, 1)

  const users = await (await pusher.get({ path: `/channels/${name}/users` })).json()
  assert.deepEqual(users, { users: [{ id: 'alice' }] })
})

test('private-encrypted: the SDK encrypts with the master key, pusher-js decrypts', async () => {
  const masterKey = randomBytes(32).toString('base64')
  const encrypting = sdk({ encryptionMasterKeyBase64: masterKey })
  const encBackend = await hostBackend(encrypting)
  try {
    const name = unique('private-encrypted-ledger-')
    const p = client(1, authOptions(encBackend, 'alice'))
    const { channel } = await subscribed(p, name)
    // A raw socket on the other node, authorized the same way, sees what
    // the server relays: the SDK's ciphertext, never the plaintext.
    const sock = await raw(0)
    const est = await sock.frame((f) => f.event === 'pusher:connection_established')
    sock.send('pusher:subscribe', { channel: name, ...encrypting.authorizeChannel(est.data.socket_id, name) })
    await sock.frame((f) => f.event === 'pusher_internal:subscription_succeeded' && f.channel === name)
    const got = next(channel, 'balance')
    await encrypting.trigger(name, 'balance', { cents: 12345, memo: '余额' })
    assert.deepEqual(await got, { cents: 12345, memo: '余额' })
    const wire = await sock.frame((f) => f.event === 'balance' && f.channel === name)
    assert.equal(typeof wire.data.nonce, 'string')
    assert.equal(typeof wire.data.ciphertext, 'string')
    assert.ok(!JSON.stringify(wire).includes('12345'), `plaintext on the wire: ${JSON.stringify(wire)}`)
  } finally {
    await encBackend.close()
  }
})

test('client events go between two clients on a private channel, never back to the sender', async () => {
  const name = unique('private-chat-')
  const a = client(0, authOptions(backend, 'alice'))
  const b = client(1, authOptions(backend, 'bob'))
  const [{ channel: ca }, { channel: cb }] = await Promise.all([subscribed(a, name), subscribed(b, name)])
  const got = nextWithMeta(cb, 'client-typing', 10000)
  const echoed = arrives(ca, 'client-typing', 1500)
  assert.equal(ca.trigger('client-typing', { who: 'alice' }), true)
  const { data, meta } = await got
  assert.deepEqual(data, { who: 'alice' })
  // Protocol 7 names the sender's user on presence channels only.
  assert.equal(meta.user_id, undefined)
  assert.equal(await echoed, false, 'the sender received its own client event')
})

test('client events on a presence channel carry the sender user_id', async () => {
  const name = unique('presence-chat-')
  const a = client(0, authOptions(backend, 'alice'))
  const b = client(1, authOptions(backend, 'bob'))
  const [{ channel: ca }, { channel: cb }] = await Promise.all([subscribed(a, name), subscribed(b, name)])
  await eventually(() => ca.members.count === 2, 'alice sees bob')
  const got = nextWithMeta(cb, 'client-wave')
  ca.trigger('client-wave', { hi: true })
  const { data, meta } = await got
  assert.deepEqual(data, { hi: true })
  assert.equal(meta.user_id, 'alice')
})

test('triggerBatch delivers every event of the batch', async () => {
  const c1 = unique('batch-a-')
  const c2 = unique('batch-b-')
  const p = client(1)
  const [{ channel: a }, { channel: b }] = await Promise.all([subscribed(p, c1), subscribed(p, c2)])
  const gotA = next(a, 'e1')
  const gotB = next(b, 'e2')
  const res = await pusher.triggerBatch([
    { channel: c1, name: 'e1', data: { n: 1 } },
    { channel: c2, name: 'e2', data: { n: 2 } },
  ])
  assert.equal(res.status, 200)
  assert.deepEqual(await gotA, { n: 1 })
  assert.deepEqual(await gotB, { n: 2 })
})

test('an event to several channels at once', async () => {
  const names = [unique('multi-a-'), unique('multi-b-'), unique('multi-c-')]
  const p = client(0)
  const subs = await Promise.all(names.map((n) => subscribed(p, n)))
  const got = subs.map(({ channel }) => next(channel, 'news'))
  await pusher.trigger(names, 'news', { headline: 'up' })
  for (const g of got) assert.deepEqual(await g, { headline: 'up' })
})

test('socket_id exclusion: the triggering socket does not get its own event', async () => {
  const name = unique('excl-')
  const a = client(0)
  const b = client(1)
  const [{ channel: ca }, { channel: cb }] = await Promise.all([subscribed(a, name), subscribed(b, name)])
  const toA = arrives(ca, 'saved', 1500)
  const toB = next(cb, 'saved')
  await pusher.trigger(name, 'saved', { v: 1 }, { socket_id: a.connection.socket_id })
  assert.deepEqual(await toB, { v: 1 })
  assert.equal(await toA, false, 'the excluded socket got the event')
})

test('channel queries: /channels with prefix and user_count, /channels/{name} with subscription_count', async () => {
  const tag = randomBytes(4).toString('hex')
  const pub = `q${tag}-public`
  const pres = `presence-q${tag}-room`
  const a = client(0, authOptions(backend, 'alice'))
  const b = client(1, authOptions(backend, 'bob'))
  await Promise.all([subscribed(a, pub), subscribed(b, pub), subscribed(a, pres), subscribed(b, pres)])

  const occupied = await eventually(async () => {
    const body = await (await pusher.get({ path: '/channels', params: { filter_by_prefix: `presence-q${tag}`, info: 'user_count' } })).json()
    return body.channels?.[pres]?.user_count === 2 && body
  }, 'presence channel listed with its two users')
  assert.deepEqual(Object.keys(occupied.channels), [pres])

  const all = await (await pusher.get({ path: '/channels' })).json()
  assert.ok(pub in all.channels, `${pub} missing from ${JSON.stringify(all)}`)

  const one = await (await pusher.get({ path: `/channels/${pub}`, params: { info: 'subscription_count' } })).json()
  assert.equal(one.occupied, true)
  assert.equal(one.subscription_count, 2)

  const presInfo = await (await pusher.get({ path: `/channels/${pres}`, params: { info: 'user_count' } })).json()
  assert.equal(presInfo.occupied, true)
  assert.equal(presInfo.user_count, 2)

  const empty = await (await pusher.get({ path: `/channels/${unique('nobody-')}` })).json()
  assert.equal(empty.occupied, false)
})

test('trigger with info returns the channels subscription counts', async () => {
  const name = unique('info-')
  const p = client(1)
  await subscribed(p, name)
  const res = await pusher.trigger(name, 'x', {}, { info: 'subscription_count' })
  const body = await res.json()
  assert.equal(body.channels[name].subscription_count, 1)
})

test('user sign-in, sendToUser on any node, terminate_connections', async () => {
  const user = unique('u')
  const a = client(0, authOptions(backend, user))
  const b = client(1, authOptions(backend, user))
  await Promise.all([connected(a), connected(b)])
  a.signin()
  b.signin()
  // Both sockets are signed in once the server lists the user's connections
  // as reachable: poll sendToUser until both got one.
  let gotA = false
  let gotB = false
  a.user.bind('notice', () => (gotA = true))
  b.user.bind('notice', () => (gotB = true))
  await eventually(async () => {
    await pusher.sendToUser(user, 'notice', { text: 'hello' })
    return gotA && gotB
  }, 'both signed-in sockets got the user event')

  const stateA = next(a.connection, 'state_change')
  const stateB = next(b.connection, 'state_change')
  const res = await pusher.terminateUserConnections(user)
  assert.equal(res.status, 200)
  assert.notEqual((await stateA).current, 'connected')
  assert.notEqual((await stateB).current, 'connected')
})

test('the app key and host settings are what a site copies', () => {
  assert.match(String(app.app_id), /^\S+$/)
  assert.equal(app.scheme, 'http')
  assert.equal(app.host, '127.0.0.1')
})
