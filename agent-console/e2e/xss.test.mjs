// Cross-site scripting: payloads go into every text field Parley shows —
// message bodies, nicknames, friend remarks, group names and announcements,
// the site greeting, the visitor's pre-chat name, canned responses — and are
// then drawn by the console and by the widget on a host page of another
// origin. Nothing may run, no dialog may open, and each payload must read
// as the text it is (see .ci/browser, which starts Parley and sets PARLEY_URL).
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import { after, before, test } from 'node:test'
import { BASE, adminSession, befriend, launch, login, openSignedIn, restOk, watch } from './helpers.mjs'

const PAYLOADS = [
  '<img src=x onerror=window.__xss=1>',
  '<script>window.__xss=1</script>',
  '"><svg onload=window.__xss=1>',
  'javascript:window.__xss=1',
  '[click me](javascript:window.__xss=1)',
  '<iframe srcdoc="<script>parent.__xss=1</script>">',
  'data:text/html,<script>window.__xss=1</script>',
  'vbscript:msgbox(1) file:///etc/passwd',
]

// What a payload would leave in the DOM had it been parsed as HTML.
const INJECTED = 'img[src="x"], svg[onload], iframe[srcdoc], script:not([src]), a[href^="javascript:" i], a[href^="data:" i], a[href^="vbscript:" i], a[href^="file:" i]'

let browser
let host
let admin
const rendered = new Map() // field → payloads checked

function counted(field) {
  rendered.set(field, (rendered.get(field) ?? 0) + 1)
}

before(async () => {
  browser = await launch()
  // A host site on another origin: a page with the widget's one-line snippet.
  host = createServer((req, res) => {
    const key = new URL(req.url, 'http://x').searchParams.get('key') || ''
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' })
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>Shop</h1><script src="${BASE}/widget.js" data-site="${key}" async></script></body></html>`)
  })
  await new Promise((r) => host.listen(0, '127.0.0.1', r))
  host.origin = `http://127.0.0.1:${host.address().port}`
  admin = (await adminSession()).access_token
})

after(async () => {
  await browser?.close()
  host?.close()
})

async function user(name, extra = {}) {
  const s = randomBytes(3).toString('hex')
  const u = { username: `${name}${s}`, email: `${name}${s}@example.com`, password: `${name} password 123`, role: 'user', verified: true, ...extra }
  const created = await restOk('POST', '/api/v1/admin/users', u, admin, [201])
  return { ...u, user: created.user ?? created, token: await login(u.username, u.password) }
}

/** Fails if a payload ran, opened a dialog or left markup in the page or frame. */
async function assertInert(where, target, dialogs) {
  assert.equal(await target.evaluate(() => window.__xss), undefined, `${where}: a payload ran`)
  assert.equal(await target.locator(INJECTED).count(), 0, `${where}: payload markup reached the DOM`)
  assert.deepEqual(dialogs, [], `${where}: a dialog opened`)
}

test('XSS payloads in every shown text field stay text in the widget and the console', async () => {
  // The agent who sees everything, signed in once (sign-ins are rate limited).
  const viewer = await user('xavier', { role: 'agent', nickname: 'Xavier' })
  const viewerSession = await restOk('POST', '/api/v1/auth/login', { login: viewer.username, password: viewer.password })
  const site = await restOk('POST', '/api/v1/sites', { name: `Xss ${randomUUID().slice(0, 6)}` }, admin, [201])
  const queue = site.queues.find((q) => q.is_default) ?? site.queues[0]
  await restOk('PUT', `/api/v1/queues/${queue.id}/agents/${viewer.user.id}`, { capacity: 50 }, admin, [200, 204])
  await restOk('PUT', '/api/v1/agent/status', { status: 'online' }, viewer.token)

  const directs = []
  const groups = []
  const nicknames = []
  const remarks = []
  for (const [i, p] of PAYLOADS.entries()) {
    // A friend whose nickname is the payload writes it to the viewer.
    const nick = await user(`nick${i}`, { nickname: p })
    await befriend(nick.token, viewer.token, viewer)
    const direct = await restOk('POST', '/api/v1/conversations/direct', { user_id: viewer.user.id }, nick.token)
    await restOk('POST', `/api/v1/conversations/${direct.id}/messages`, { client_msg_id: randomUUID(), kind: 'text', body: p }, nick.token, [200, 201])
    directs.push({ id: direct.id, payload: p })
    nicknames.push(p)
    // A friend the viewer gives the payload as a remark.
    const plain = await user(`remark${i}`, { nickname: `Plain ${i}` })
    await befriend(viewer.token, plain.token, plain)
    await restOk('PATCH', `/api/v1/friends/${plain.user.id}`, { remark: p }, viewer.token)
    remarks.push(p)
    // A group named and announced with the payload.
    const g = await restOk('POST', '/api/v1/groups', { name: p, join_policy: 'open' }, viewer.token, [201])
    await restOk('PATCH', `/api/v1/groups/${g.id}`, { announcement: p }, viewer.token)
    await restOk('POST', `/api/v1/conversations/${g.conversation_id}/messages`, { client_msg_id: randomUUID(), kind: 'text', body: p }, viewer.token, [200, 201])
    groups.push({ id: g.id, conversationId: g.conversation_id, payload: p })
    // A canned response whose text is the payload.
    await restOk('POST', `/api/v1/sites/${site.id}/canned-responses`, { shortcut: `xss${i}`, body: p }, admin, [201])
  }

  // The widget, on a host page of another origin: greeting, the visitor's
  // pre-chat name and message, and the agent's reply.
  const supports = []
  for (const p of PAYLOADS) {
    await restOk('PATCH', `/api/v1/sites/${site.id}`, {
      allowed_origins: [host.origin],
      greeting: p,
      prechat_fields: [{ name: 'name', label: 'Your name', type: 'text', required: true }],
    }, admin)
    const context = await browser.newContext()
    const page = await context.newPage()
    page.setDefaultTimeout(15_000)
    const dialogs = []
    page.on('dialog', (d) => {
      dialogs.push(d.message())
      void d.dismiss()
    })
    const explain = watch(page)
    try {
      await page.goto(`${host.origin}/?key=${encodeURIComponent(site.public_key)}`)
      await page.getByTestId('parley-launcher').click()
      const f = page.frameLocator('iframe[data-testid="parley-frame"]')
      await f.getByTestId('parley-greeting').getByText(p, { exact: true }).waitFor()
      counted('site greeting (widget)')
      await f.getByTestId('parley-prechat-name').fill(p)
      await f.getByTestId('parley-prechat-submit').click()
      await f.getByTestId('parley-input').fill(p)
      await f.getByTestId('parley-send').click()
      const mine = f.getByTestId('parley-message-body').getByText(p, { exact: true })
      await mine.first().waitFor()
      counted('visitor message (widget)')

      let conv
      for (const deadline = Date.now() + 10_000; !conv; ) {
        const inbox = await restOk('GET', '/api/v1/agent/conversations?view=mine&limit=200', undefined, viewer.token)
        conv = inbox.items.find((c) => !supports.some((s) => s.id === c.id))
        if (!conv && Date.now() > deadline) throw new Error('the visitor’s conversation never reached the agent')
        if (!conv) await new Promise((r) => setTimeout(r, 200))
      }
      supports.push({ id: conv.id, payload: p })
      await restOk('POST', `/api/v1/conversations/${conv.id}/messages`, { client_msg_id: randomUUID(), kind: 'text', body: p }, viewer.token, [200, 201])
      await f.getByTestId('parley-message-body').getByText(p, { exact: true }).nth(1).waitFor()
      counted('agent reply (widget)')

      await assertInert('host page', page.locator('html'), dialogs)
      const frame = page.frames().find((fr) => fr.url().includes('/widget/frame.html'))
      assert.ok(frame, 'the widget frame is there')
      await assertInert('widget frame', frame.locator('html'), dialogs)
    } catch (err) {
      await explain(err)
    } finally {
      await context.close()
    }
  }

  // The console, as the agent.
  const { context, page, explain } = await openSignedIn(browser, viewerSession, '/chats')
  const dialogs = []
  page.on('dialog', (d) => {
    dialogs.push(d.message())
    void d.dismiss()
  })
  const html = page.locator('html')
  try {
    await page.getByTestId('chat-item').first().waitFor()
    for (const p of PAYLOADS) {
      await page.getByTestId('chat-item').filter({ hasText: p }).first().waitFor()
      counted('conversation titles and last messages (console)')
    }
    await assertInert('chat list', html, dialogs)

    for (const d of directs) {
      await page.goto(`${BASE}/console/#/chats/${d.id}`)
      await page.getByTestId('message-body').getByText(d.payload, { exact: true }).waitFor()
      counted('direct message body (console)')
      await page.getByTestId('chat-title').getByText(d.payload, { exact: true }).waitFor()
      counted('nickname as chat title (console)')
      await assertInert(`direct chat ${d.id}`, html, dialogs)
    }
    for (const g of groups) {
      await page.goto(`${BASE}/console/#/chats/${g.conversationId}`)
      await page.getByTestId('group-announcement').getByText(g.payload).waitFor()
      counted('group announcement (console)')
      await page.getByTestId('chat-title').getByText(g.payload, { exact: true }).waitFor()
      counted('group name (console)')
      await page.getByTestId('message-body').getByText(g.payload, { exact: true }).waitFor()
      counted('group message body (console)')
      await assertInert(`group chat ${g.conversationId}`, html, dialogs)
    }

    await page.goto(`${BASE}/console/#/friends`)
    for (const p of [...nicknames, ...remarks]) {
      await page.getByTestId('friend-item').filter({ hasText: p }).first().waitFor()
    }
    nicknames.forEach(() => counted('nickname (friend list)'))
    remarks.forEach(() => counted('friend remark (friend list)'))
    await assertInert('friend list', html, dialogs)

    for (const s of supports) {
      await page.goto(`${BASE}/console/#/inbox/${s.id}`)
      await page.getByTestId('visitor-panel').getByText(s.payload, { exact: true }).first().waitFor()
      counted('visitor pre-chat name (console)')
      const bodies = page.getByTestId('message-body').getByText(s.payload, { exact: true })
      await bodies.nth(1).waitFor()
      counted('visitor message and agent reply (console)')
      await page.getByTestId('inbox-item').filter({ hasText: s.payload }).first().waitFor()
      await assertInert(`support chat ${s.id}`, html, dialogs)
    }
    // Canned responses: typing "/xss" lists them, drawn as text.
    await page.getByTestId('composer-input').fill('/xss')
    const options = page.getByTestId('canned-option')
    await options.first().waitFor()
    for (const p of PAYLOADS) {
      await options.filter({ hasText: p }).first().waitFor()
      counted('canned response (console)')
    }
    await assertInert('canned suggestions', html, dialogs)
  } catch (err) {
    await explain(err)
  } finally {
    await context.close()
  }

  const total = [...rendered.values()].reduce((a, b) => a + b, 0)
  console.log(`xss: ${PAYLOADS.length} payloads × ${rendered.size} fields: ${total} renderings checked, none ran`)
  for (const [field, n] of rendered) console.log(`  ${field}: ${n}`)
  assert.equal(total, PAYLOADS.length * rendered.size, 'every payload was checked in every field')
})
