// The agent console in a real browser against a running server
// (see .ci/browser, which starts one and sets PARLEY_URL).
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { BASE, befriend, launch, login, restOk, watch } from './helpers.mjs'

const admin = { username: 'admin', email: 'admin@example.com', password: 'correct horse battery', nickname: 'Ada Admin' }
const bob = { username: 'bob', email: 'bob@example.com', password: 'bob password 123', nickname: 'Bob' }

let browser
let context
let page
let explain

before(async () => {
  browser = await launch()
  context = await browser.newContext()
  page = await context.newPage()
  page.setDefaultTimeout(15_000)
  explain = watch(page)
})

after(async () => {
  await browser?.close()
})

const messageWithText = (p, text) =>
  p.getByTestId('message').filter({ has: p.getByTestId('message-body').getByText(text, { exact: true }) })

test('first-run setup creates the administrator in the browser', async () => {
  const status = await restOk('GET', '/api/v1/setup')
  assert.equal(status.needed, true, 'the server must be fresh (GET /api/v1/setup → needed: true)')
  try {
    await page.goto(`${BASE}/console/`)
    await page.getByTestId('setup-username').fill(admin.username)
    await page.getByTestId('setup-email').fill(admin.email)
    await page.getByTestId('setup-password').fill(admin.password)
    await page.getByTestId('setup-nickname').fill(admin.nickname)
    await page.getByTestId('setup-submit').click()
    // An admin lands on the Inbox, where the first-run checklist lists its steps.
    await page.waitForURL(/#\/inbox/)
    await page.getByTestId('setup-checklist').waitFor()
    assert.equal(await page.getByTestId('checklist-step').count(), 5)
    await page.getByTestId('nav-chats').click()
    await page.getByTestId('new-chat-input').waitFor()
    await page.getByTestId('me-name').getByText(admin.nickname).waitFor()
    // Connected: the banner goes away.
    await page.getByTestId('connection-status').waitFor({ state: 'detached' })
  } catch (err) {
    await explain(err)
  }
  assert.equal((await restOk('GET', '/api/v1/setup')).needed, false)
})

test('a direct chat: send, live reply, history after reload', async () => {
  const adminToken = await login(admin.username, admin.password)
  const created = await restOk(
    'POST',
    '/api/v1/admin/users',
    { username: bob.username, email: bob.email, password: bob.password, role: 'user', verified: true },
    adminToken,
    [201],
  )
  assert.equal(created.user.username, bob.username)
  const bobToken = await login(bob.username, bob.password)
  await befriend(adminToken, bobToken, created.user)

  let conversationId
  try {
    await page.getByTestId('new-chat-input').fill(bob.username)
    await page.getByTestId('new-chat-result').filter({ hasText: `@${bob.username}` }).click()
    await page.waitForURL(/#\/chats\/\d+$/)
    conversationId = Number(page.url().match(/#\/chats\/(\d+)$/)[1])
    await page.getByTestId('chat-item').filter({ hasText: bob.nickname }).waitFor()

    await page.getByTestId('composer-input').fill('hello')
    await page.getByTestId('composer-send').click()
    const sent = messageWithText(page, 'hello')
    await sent.waitFor()
    // Acknowledged by the server: no longer pending, and it has a seq.
    await page.locator('[data-testid="message"][data-state="sent"]').filter({ hasText: 'hello' }).waitFor()
    assert.equal(await sent.count(), 1)
  } catch (err) {
    await explain(err)
  }

  const reply = await restOk(
    'POST',
    `/api/v1/conversations/${conversationId}/messages`,
    { client_msg_id: randomUUID(), kind: 'text', body: 'hi admin' },
    bobToken,
  )
  assert.equal(reply.body, 'hi admin')

  try {
    // Arrives over the WebSocket, without a reload.
    await messageWithText(page, 'hi admin').waitFor()
    await page.reload()
    await messageWithText(page, 'hi admin').waitFor()
    const bodies = await page.getByTestId('message-body').allInnerTexts()
    assert.deepEqual(bodies, ['hello', 'hi admin'])
    const seqs = (
      await page.getByTestId('message').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))))
    )
    assert.ok(seqs[0] < seqs[1], `messages must be in seq order, got ${seqs}`)
    const senders = await page.getByTestId('message-sender').allInnerTexts()
    assert.equal(senders.length, 2)
    assert.notEqual(senders[0], senders[1])
  } catch (err) {
    await explain(err)
  }
})

test('a message sent while offline survives a reload and is delivered once on reconnect', async () => {
  const ctx = await browser.newContext()
  // Stand between the page and /ws so the test can cut the line.
  let blocked = false
  const live = []
  await ctx.routeWebSocket(/\/ws\?/, (ws) => {
    if (blocked) {
      ws.close({ code: 4000, reason: 'offline (test)' })
      return
    }
    ws.connectToServer()
    live.push(ws)
  })
  const p = await ctx.newPage()
  p.setDefaultTimeout(15_000)
  const explainOffline = watch(p)
  const adminToken = await login(admin.username, admin.password)
  try {
    await p.goto(`${BASE}/console/#/login`)
    await p.getByTestId('login-username').fill(bob.username)
    await p.getByTestId('login-password').fill(bob.password)
    await p.getByTestId('login-submit').click()
    await p.getByTestId('chat-item').first().click()
    await messageWithText(p, 'hi admin').waitFor()
    await p.getByTestId('connection-status').waitFor({ state: 'detached' })

    blocked = true
    for (const ws of live.splice(0)) await ws.close({ code: 4000, reason: 'offline (test)' })
    await p.getByTestId('connection-status').getByText('Reconnecting…').waitFor()

    await p.getByTestId('composer-input').fill('written offline')
    await p.getByTestId('composer-input').press('Enter')
    await p.locator('[data-testid="message"][data-state="queued"]').filter({ hasText: 'written offline' }).waitFor()
    await p.reload()
    await p.locator('[data-testid="message"][data-state="queued"]').filter({ hasText: 'written offline' }).waitFor()

    // The other side writes meanwhile; the client must catch up on reconnect.
    const conversationId = Number(p.url().match(/#\/chats\/(\d+)$/)[1])
    await restOk(
      'POST',
      `/api/v1/conversations/${conversationId}/messages`,
      { client_msg_id: randomUUID(), kind: 'text', body: 'while you were away' },
      adminToken,
    )

    blocked = false
    await p.locator('[data-testid="message"][data-state="sent"]').filter({ hasText: 'written offline' }).waitFor({ timeout: 45_000 })
    await messageWithText(p, 'while you were away').waitFor()
    await p.getByTestId('connection-status').waitFor({ state: 'detached' })

    const bodies = await p.getByTestId('message-body').allInnerTexts()
    assert.deepEqual(bodies.slice(-2).sort(), ['while you were away', 'written offline'])
    const seqs = await p.getByTestId('message').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))))
    assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]), `not in seq order: ${seqs}`)

    const history = await restOk('GET', `/api/v1/conversations/${conversationId}/messages?limit=50`, undefined, adminToken)
    assert.equal(history.items.filter((m) => m.body === 'written offline').length, 1, 'delivered exactly once')
  } catch (err) {
    await explainOffline(err)
  } finally {
    await ctx.close()
  }
})

test('a wrong password shows the server’s error on the login page', async () => {
  const ctx = await browser.newContext()
  const p = await ctx.newPage()
  p.setDefaultTimeout(15_000)
  const explainLogin = watch(p)
  try {
    await p.goto(`${BASE}/console/#/login`)
    await p.getByTestId('login-username').fill(admin.username)
    await p.getByTestId('login-password').fill('not the password')
    const answer = p.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'))
    await p.getByTestId('login-submit').click()
    const res = await answer
    assert.equal(res.status(), 401)
    const body = await res.json()
    assert.equal(body.error.code, 'invalid_credentials')
    const shown = p.getByTestId('login-error')
    await shown.waitFor()
    assert.equal((await shown.innerText()).trim(), body.error.message)
    assert.match(p.url(), /#\/login/)
  } catch (err) {
    await explainLogin(err)
  } finally {
    await ctx.close()
  }
})
