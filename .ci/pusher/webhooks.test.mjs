// Pusher-format webhooks from a site's webhook of format "pusher", received
// by a local receiver and verified with the SDK's own check.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { app, authOptions, cfg, client, closeClients, eventually, hostBackend, sdk, subscribed, unique } from './helpers.mjs'

const pusher = sdk()
let backend
let receiver
const received = [] // {valid, events}
const forged = []

before(async () => {
  backend = await hostBackend()
  receiver = createServer((req, res) => {
    let rawBody = ''
    req.on('data', (c) => (rawBody += c))
    req.on('end', () => {
      const hook = pusher.webhook({ headers: req.headers, rawBody })
      const valid = hook.isValid()
      const wrong = sdk({ secret: 'another-secret' }).webhook({ headers: req.headers, rawBody })
      forged.push(wrong.isValid())
      received.push({ valid, key: req.headers['x-pusher-key'], events: valid ? hook.getEvents() : [], time: valid ? hook.getTime() : null })
      res.writeHead(200).end()
    })
  })
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r))
  const res = await fetch(`${cfg.nodes[0]}/api/v1/sites/${cfg.site_id}/webhooks`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${cfg.admin_token}` },
    body: JSON.stringify({ url: `http://127.0.0.1:${receiver.address().port}/pusher/webhooks`, format: 'pusher' }),
  })
  assert.equal(res.status, 201, await res.text())
})

after(async () => {
  closeClients()
  await backend.close()
  // Parley keeps its connection to the receiver alive, and while other files'
  // channels come and go it keeps posting their webhooks on it: close() alone
  // would wait for that connection to fall idle.
  await new Promise((r) => {
    receiver.close(r)
    receiver.closeAllConnections()
  })
})

function events() {
  return received.flatMap((r) => r.events)
}

function has(pred, what) {
  return eventually(() => events().some(pred), `webhook ${what}`, 15000)
}

test('channel_occupied, member_added, client_event, member_removed and channel_vacated arrive signed', async () => {
  const name = unique('presence-hooked-')
  const a = client(0, authOptions(backend, 'alice'))
  const b = client(1, authOptions(backend, 'bob'))
  const { channel: ca } = await subscribed(a, name)
  await has((e) => e.name === 'channel_occupied' && e.channel === name, 'channel_occupied')
  await has((e) => e.name === 'member_added' && e.channel === name && e.user_id === 'alice', 'member_added alice')

  await subscribed(b, name)
  await has((e) => e.name === 'member_added' && e.channel === name && e.user_id === 'bob', 'member_added bob (other node)')

  await eventually(() => ca.members.count === 2, 'alice sees bob')
  ca.trigger('client-hello', { hi: 1 })
  const ce = await has((e) => e.name === 'client_event' && e.channel === name && e.event === 'client-hello', 'client_event')
  assert.ok(ce)
  const clientEvent = events().find((e) => e.name === 'client_event' && e.channel === name)
  assert.equal(clientEvent.user_id, 'alice')
  assert.equal(clientEvent.socket_id, a.connection.socket_id)
  assert.deepEqual(JSON.parse(clientEvent.data), { hi: 1 })

  b.disconnect()
  await has((e) => e.name === 'member_removed' && e.channel === name && e.user_id === 'bob', 'member_removed bob')
  a.disconnect()
  await has((e) => e.name === 'channel_vacated' && e.channel === name, 'channel_vacated')

  // Occupied once, vacated once, although two nodes held subscribers.
  assert.equal(events().filter((e) => e.name === 'channel_occupied' && e.channel === name).length, 1)
  assert.equal(events().filter((e) => e.name === 'channel_vacated' && e.channel === name).length, 1)
  assert.ok(received.every((r) => r.valid), 'a webhook failed the SDK check')
  assert.ok(received.every((r) => r.key === app.key))
  assert.ok(forged.every((v) => v === false), 'the SDK check accepted a webhook under a wrong secret')
  assert.ok(received.every((r) => Math.abs(r.time.getTime() - Date.now()) < 60000))
})
