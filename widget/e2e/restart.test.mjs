// A real restart of Parley in the middle of a chat: this file runs its own
// server (see server.mjs), stops it with SIGTERM (sockets closed with 1012),
// starts it again on the same port and data dir, and checks that the
// visitor's page and the database both hold every message exactly once.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { api, hostSite, launch, watch } from './helpers.mjs'
import { OwnServer } from './server.mjs'

let server
let host
let browser

before(async () => {
  server = await OwnServer.create()
  await server.start()
  host = await hostSite(server.base)
  browser = await launch()
})

after(async () => {
  await browser?.close()
  host?.close()
  await server?.dispose()
})

const frameOf = (page) => page.frameLocator('iframe[data-testid="parley-frame"]')
const bubble = (f, text) =>
  f.getByTestId('parley-message').filter({ has: f.getByTestId('parley-message-body').getByText(text, { exact: true }) })
const confirmed = (f, text) => bubble(f, text).and(f.locator(':not([data-pending])'))

/** What the widget shows, in order: [body, pending state] of every non-system message. */
function shown(f) {
  return f.locator('[data-testid="parley-message"]').evaluateAll((lis) =>
    lis
      .filter((li) => li.querySelector('[data-testid="parley-message-body"]'))
      .map((li) => [li.querySelector('[data-testid="parley-message-body"]').textContent, li.getAttribute('data-pending') || '']),
  )
}

test('the server restarts mid-chat: after reconnect nothing is missing or doubled', { timeout: 180_000 }, async () => {
  const { rest, restOk, login } = api(server.base)
  const setup = await restOk('POST', '/api/v1/setup', {
    username: 'admin',
    email: 'admin@example.com',
    password: 'correct horse battery',
    nickname: 'Ada Admin',
  })
  const admin = setup.access_token ?? (await login('admin', 'correct horse battery'))

  const created = await restOk('POST', '/api/v1/sites', { name: 'Restart shop' }, admin)
  const site = await restOk(
    'PATCH',
    `/api/v1/sites/${created.id}`,
    {
      allowed_origins: [host.origin],
      prechat_fields: [{ name: 'name', label: 'Your name', type: 'text', required: true }],
    },
    admin,
  )
  const queue = site.queues.find((q) => q.is_default) ?? site.queues[0]
  const agent = { username: 'rita', password: 'agent password 123', token: '' }
  const user = await restOk(
    'POST',
    '/api/v1/admin/users',
    { username: agent.username, email: 'rita@example.com', password: agent.password, role: 'agent', verified: true },
    admin,
  )
  await restOk('PUT', `/api/v1/queues/${queue.id}/agents/${user.user?.id ?? user.id}`, { capacity: 2 }, admin)
  agent.token = await login(agent.username, agent.password)
  await restOk('PUT', '/api/v1/agent/status', { status: 'online' }, agent.token)

  /** The agent's REST calls; signs in again if a restarted server refuses the token. */
  async function asAgent(method, path, body) {
    let r = await rest(method, path, body, agent.token)
    if (r.status === 401) {
      agent.token = await login(agent.username, agent.password)
      r = await rest(method, path, body, agent.token)
    }
    if (![200, 201, 204].includes(r.status)) throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`)
    return r.body
  }
  const agentSay = (convId, body) =>
    asAgent('POST', `/api/v1/conversations/${convId}/messages`, { client_msg_id: randomUUID(), kind: 'text', body })

  const context = await browser.newContext()
  const page = await context.newPage()
  page.setDefaultTimeout(20_000)
  const { explain } = watch(page)
  try {
    await page.goto(host.url('/', site.public_key))
    await page.getByTestId('parley-launcher').click()
    const f = frameOf(page)
    await f.getByTestId('parley-prechat-name').fill('Rosa Restart')
    await f.getByTestId('parley-prechat-submit').click()
    await f.getByTestId('parley-input').fill('before restart')
    await f.getByTestId('parley-send').click()
    await confirmed(f, 'before restart').waitFor()

    let conv
    for (const deadline = Date.now() + 10_000; !conv; await new Promise((r) => setTimeout(r, 200))) {
      conv = (await asAgent('GET', '/api/v1/agent/conversations?view=mine')).items?.[0]
      if (!conv && Date.now() > deadline) throw new Error('the visitor’s conversation never reached the agent')
    }
    await agentSay(conv.id, 'first reply')
    await bubble(f, 'first reply').waitFor()

    // The real thing: SIGTERM, the process exits, the widget is cut off.
    const exit = await server.stop()
    assert.deepEqual(exit, { code: 0, signal: null }, 'parley exits cleanly on SIGTERM')
    await f.getByTestId('parley-offline').waitFor()

    // Written while nothing listens: shown as sending, and it stays so.
    await f.getByTestId('parley-input').fill('during restart')
    await f.getByTestId('parley-send').click()
    await bubble(f, 'during restart').and(f.locator('[data-pending="sending"]')).waitFor()
    await page.waitForTimeout(1500)
    assert.equal(await bubble(f, 'during restart').getAttribute('data-pending'), 'sending')

    // Same port, same data dir: the database and the secret are still there.
    await server.start()
    await f.getByTestId('parley-offline').waitFor({ state: 'hidden', timeout: 60_000 })
    await confirmed(f, 'during restart').waitFor({ timeout: 60_000 })

    await agentSay(conv.id, 'second reply')
    await bubble(f, 'second reply').waitFor()
    // Give a late duplicate (a retry, a catch-up) the time to show up.
    await page.waitForTimeout(2000)

    const expected = ['before restart', 'first reply', 'during restart', 'second reply']
    assert.deepEqual(
      await shown(f),
      expected.map((b) => [b, '']),
      'the page shows every message exactly once, in order, none pending',
    )

    const stored = await asAgent('GET', `/api/v1/conversations/${conv.id}/messages?after_seq=0&limit=200`)
    const texts = (stored.items ?? []).filter((m) => m.kind === 'text' && m.sender?.kind !== 'system')
    assert.deepEqual(
      texts.map((m) => m.body),
      expected,
      `the server stores each message exactly once, in order: ${JSON.stringify(stored.items)}`,
    )
    const seqs = texts.map((m) => m.seq)
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b))

    // And a reload after all that shows the same.
    await page.reload()
    await page.getByTestId('parley-launcher').click()
    const g = frameOf(page)
    await bubble(g, 'second reply').waitFor()
    assert.deepEqual(await shown(g), expected.map((b) => [b, '']), 'the same after a reload')
  } catch (err) {
    err.message += `\n${server.tail()}`
    await explain(err)
  } finally {
    await context.close()
  }
})
