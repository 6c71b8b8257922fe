// laravel-echo with its pusher connector, configured as a Laravel app's
// resources/js/bootstrap.js is for a self-hosted Pusher server, listening
// to events a Laravel backend broadcasts (here: the `pusher` SDK, which is
// what Laravel's pusher broadcaster calls).
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import Echo from 'laravel-echo'
import Pusher from 'pusher-js'
import { app, eventually, hostBackend, node, sdk, unique } from './helpers.mjs'

let backend
let echo
const pusher = sdk()

before(async () => {
  backend = await hostBackend()
  const n = node(1)
  echo = new Echo({
    broadcaster: 'pusher',
    Pusher,
    key: app.key,
    cluster: 'mt1',
    wsHost: n.host,
    wsPort: n.port,
    forceTLS: false,
    enabledTransports: ['ws'],
    disableStats: true,
    // The authorizer a Laravel app writes to authorize with its own
    // backend (here the SDK-signing host backend) instead of a CSRF form.
    authorizer: (channel) => ({
      authorize: (socketId, callback) => {
        fetch(backend.auth, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ socket_id: socketId, channel_name: channel.name, user_id: '7' }),
        })
          .then((r) => r.json())
          .then((data) => callback(null, data), (err) => callback(err, null))
      },
    }),
  })
})

after(async () => {
  echo.disconnect()
  await backend.close()
})

function waitConnected() {
  return eventually(() => echo.connectionStatus() === 'connected', 'Echo connected')
}

test('Echo.channel listens to a broadcast event on a public channel', async () => {
  await waitConnected()
  const name = unique('orders.')
  const got = new Promise((resolve) => echo.channel(name).listen('OrderShipped', resolve))
  await eventually(() => echo.connector.pusher.channel(name)?.subscribed, 'public channel subscribed')
  // Laravel broadcasts App\Events\OrderShipped under its class name.
  await pusher.trigger(name, 'App\\Events\\OrderShipped', { order: { id: 1 } })
  assert.deepEqual(await got, { order: { id: 1 } })
})

test('Echo.private listens with the authorizer on a private channel', async () => {
  await waitConnected()
  const name = unique('App.Models.User.')
  const got = new Promise((resolve) => echo.private(name).listen('.invoice.paid', resolve))
  await eventually(() => echo.connector.pusher.channel(`private-${name}`)?.subscribed, 'private channel subscribed')
  await pusher.trigger(`private-${name}`, 'invoice.paid', { amount: 99 })
  assert.deepEqual(await got, { amount: 99 })
})

test('Echo.join gets the presence members', async () => {
  await waitConnected()
  const name = unique('chat.')
  const here = await new Promise((resolve) => echo.join(name).here(resolve))
  assert.deepEqual(here, [{ name: 'User 7' }])
})
