// pusher-js authorized by Parley's built-in endpoints with a Parley
// token, as the console does: the admin's own and the site's channels are
// signed, anything else is refused and pusher-js reports it.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { app, cfg, client, closeClients, connected, next, sdk, subscribed, unique } from './helpers.mjs'

after(() => closeClients())

function parleyAuth(i) {
  const base = cfg.nodes[i]
  const headers = { Authorization: `Bearer ${cfg.admin_token}` }
  return {
    channelAuthorization: { endpoint: `${base}/api/v1/pusher/auth`, transport: 'ajax', headers, params: { app_key: app.key } },
    userAuthentication: { endpoint: `${base}/api/v1/pusher/user-auth`, transport: 'ajax', headers, params: { app_key: app.key } },
  }
}

test("the admin's private channel, signed by Parley's endpoint, gets the SDK's event", async () => {
  const p = client(1, parleyAuth(1))
  const name = `private-user-${cfg.admin_id}`
  const { channel } = await subscribed(p, name)
  const got = next(channel, 'assigned')
  await sdk().trigger(name, 'assigned', { conversation: 7 })
  assert.deepEqual(await got, { conversation: 7 })
})

test("the site's presence channel lists the admin as user-{id}", async () => {
  const p = client(0, parleyAuth(0))
  const { members } = await subscribed(p, `presence-site-${cfg.site_id}`)
  assert.equal(members.me.id, `user-${cfg.admin_id}`)
})

test('a channel outside the rule is refused with a subscription error', async () => {
  const p = client(0, parleyAuth(0))
  await connected(p)
  for (const name of [`private-user-${cfg.admin_id + 1000}`, unique('private-elsewhere-')]) {
    const channel = p.subscribe(name)
    const err = await next(channel, 'pusher:subscription_error')
    assert.equal(err.status, 403, JSON.stringify(err))
  }
})
