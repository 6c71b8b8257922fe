// The installable app: manifest and installability, the service worker,
// Web Push notifications, offline reading and queued sends, 360 px layout.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { chromium } from 'playwright-core'
import { BASE, adminToken, befriend, createUser, restOk, watch } from './helpers.mjs'

const CHROMIUM = process.env.PARLEY_CHROMIUM || '/usr/bin/chromium'

// A persistent profile: Chromium reports an incognito context (what
// browser.newContext() gives) as not installable.
let profile
let context
let alice
let bob
let conversationId

async function session(u) {
  return restOk('POST', '/api/v1/auth/login', { login: u.username, password: u.password })
}

/** A page of the console signed in as alice, through stored tokens. */
async function openConsole(hash, viewport) {
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  if (viewport) await page.setViewportSize(viewport)
  const explain = watch(page)
  await page.goto(`${BASE}/console/#${hash}`)
  return { page, explain }
}

/** A message bubble with this text. */
function bodyText(page, text) {
  return page.getByTestId('message-body').filter({ hasText: text })
}

/** Waits until the service worker controls the page. */
async function controlled(page) {
  await page.waitForFunction(() => !!navigator.serviceWorker.controller, undefined, { timeout: 30_000 })
}

/**
 * The notifications the worker shows (as the page's registration lists
 * them), once one has this body.
 */
async function notifications(page, body) {
  const deadline = Date.now() + 15_000
  for (;;) {
    const shown = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready
      return (await reg.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag }))
    })
    if (shown.some((n) => n.body === body)) return shown
    if (Date.now() > deadline) throw new Error(`no notification "${body}" among ${JSON.stringify(shown)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Delivers a push message to the worker through the DevTools protocol. */
async function deliverPush(page, payload) {
  const cdp = await context.newCDPSession(page)
  const registrations = new Promise((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations: regs }) => {
      const reg = regs.find((r) => r.scopeURL === `${BASE}/` && !r.isDeleted)
      if (reg) resolve(reg.registrationId)
    })
  })
  await cdp.send('ServiceWorker.enable')
  const registrationId = await registrations
  await cdp.send('ServiceWorker.deliverPushMessage', { origin: BASE, registrationId, data: JSON.stringify(payload) })
  await cdp.detach()
}

before(async () => {
  const admin = await adminToken()
  alice = await createUser(admin, 'Alice')
  bob = await createUser(admin, 'Bob')
  await befriend(alice.token, bob.token, bob)
  const conv = await restOk('POST', '/api/v1/conversations/direct', { user_id: bob.user.id }, alice.token)
  conversationId = conv.id
  await restOk(
    'POST',
    `/api/v1/conversations/${conversationId}/messages`,
    { client_msg_id: crypto.randomUUID(), kind: 'text', body: 'first from bob' },
    bob.token,
  )

  profile = mkdtempSync(join(tmpdir(), 'parley-pwa-'))
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  await context.grantPermissions(['notifications'], { origin: BASE })
  const s = await session(alice)
  await context.addInitScript((value) => {
    if (!window.localStorage.getItem('parley.test.seeded')) {
      window.localStorage.setItem('parley.test.seeded', '1')
      window.localStorage.setItem('parley.auth', value)
    }
  }, JSON.stringify({ access_token: s.access_token, refresh_token: s.refresh_token, expires_at: Date.now() + (s.expires_in || 900) * 1000 }))
})

after(async () => {
  await context?.close()
  if (profile) rmSync(profile, { recursive: true, force: true })
})

test('the manifest is served and the console passes the installability check', async () => {
  const res = await fetch(`${BASE}/manifest.webmanifest`)
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type'), /^application\/manifest\+json/)
  const sw = await fetch(`${BASE}/sw.js`)
  assert.equal(sw.status, 200)
  assert.match(sw.headers.get('cache-control'), /no-cache/)

  const { page, explain } = await openConsole('/chats')
  try {
    await page.getByTestId('me-name').waitFor()
    await controlled(page)
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope)
    assert.equal(scope, `${BASE}/`)

    const cdp = await context.newCDPSession(page)
    const manifest = await cdp.send('Page.getAppManifest')
    assert.deepEqual(manifest.errors, [])
    const parsed = JSON.parse(manifest.data)
    assert.equal(parsed.name, 'Parley')
    assert.equal(parsed.display, 'standalone')
    assert.deepEqual(
      parsed.icons.map((i) => `${i.sizes} ${i.purpose}`),
      ['192x192 any', '512x512 any', '512x512 maskable'],
    )
    for (const icon of parsed.icons) {
      const r = await fetch(new URL(icon.src, BASE))
      assert.equal(r.status, 200, icon.src)
      assert.equal(r.headers.get('content-type'), 'image/png')
    }
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors')
    assert.deepEqual(installabilityErrors, [])
    await cdp.detach()
  } catch (err) {
    await explain(err)
  } finally {
    await page.close()
  }
})

test('a push shows a notification in the user language, and a click opens the conversation', async () => {
  const { page, explain } = await openConsole('/chats')
  try {
    await page.getByTestId('me-name').waitFor()
    await controlled(page)
    // The console tells the worker its language; switch to Chinese.
    await page.evaluate(() => localStorage.setItem('parley.locale', 'zh-CN'))
    await page.reload()
    await page.getByTestId('me-name').waitFor()
    await page.waitForFunction(async () => {
      const r = await caches.match('/console/__locale', { cacheName: 'parley-prefs' })
      return r && (await r.text()) === 'zh-CN'
    })

    const payload = {
      type: 'message',
      conversation_id: conversationId,
      seq: 2,
      kind: 'image',
      sender_name: 'Bob',
      conversation_name: '',
      preview: '',
      url: `/#/chats/${conversationId}`,
      unread: 2,
    }
    await deliverPush(page, payload)
    let shown = await notifications(page, '发来一张图片')
    assert.equal(shown.length, 1)
    assert.equal(shown[0].title, 'Bob（2 条新消息）')
    assert.equal(shown[0].body, '发来一张图片')
    assert.equal(shown[0].tag, `conversation-${conversationId}`)

    // A newer push for the same conversation replaces the notification.
    await deliverPush(page, { ...payload, seq: 3, kind: 'text', preview: 'are you there?', unread: 3 })
    shown = await notifications(page, 'are you there?')
    assert.equal(shown.length, 1)
    assert.equal(shown[0].body, 'are you there?')
    assert.equal(shown[0].title, 'Bob（3 条新消息）')

    // Clicking it brings the console to that conversation.
    const worker = context.serviceWorkers().find((w) => w.url() === `${BASE}/sw.js`)
    assert.ok(worker, 'the service worker runs')
    await worker.evaluate(async () => {
      const [n] = await self.registration.getNotifications()
      self.dispatchEvent(new NotificationEvent('notificationclick', { notification: n }))
    })
    await page.waitForURL(new RegExp(`#/chats/${conversationId}$`))
    await bodyText(page, 'first from bob').waitFor()

    // While that conversation is on screen, its pushes show nothing; the
    // worker handles pushes in order, so once the next one (for another
    // conversation) shows, the first has been handled.
    await page.bringToFront()
    await deliverPush(page, { ...payload, seq: 4, kind: 'text', preview: 'you are looking at it' })
    await deliverPush(page, { ...payload, conversation_id: conversationId + 1000, kind: 'text', preview: 'elsewhere', url: '' })
    shown = await notifications(page, 'elsewhere')
    assert.deepEqual(shown.map((n) => n.body), ['elsewhere'])
  } catch (err) {
    await explain(err)
  } finally {
    await page.evaluate(() => localStorage.setItem('parley.locale', 'en'))
    await page.close()
  }
})

test('offline: the last conversation stays readable and a send is queued, then delivered once', async () => {
  const { page, explain } = await openConsole(`/chats/${conversationId}`)
  try {
    await bodyText(page, 'first from bob').waitFor()
    await controlled(page)
    // A visit under the worker's control (the first load happened before it).
    await page.reload()
    await bodyText(page, 'first from bob').waitFor()
    // Kept for offline reading by the worker as it went by.
    await page.waitForFunction(async (id) => {
      const c = await caches.open('parley-data')
      return (await c.keys()).some((r) => new URL(r.url).pathname === `/api/v1/conversations/${id}/messages`)
    }, conversationId)

    await context.setOffline(true)
    await page.reload()
    await bodyText(page, 'first from bob').waitFor()
    // Really offline, the worker's own requests included: what shows came from its cache.
    const probe = await page.evaluate(() => fetch('/api/v1/me?probe=1').then((r) => `answered ${r.status}`, () => 'failed'))
    assert.equal(probe, 'failed')
    await page.getByTestId('connection-status').getByText('Offline', { exact: false }).waitFor()
    const chatItem = page.getByTestId('chat-item').first()
    await chatItem.waitFor()

    await page.getByTestId('composer-input').fill('written on the train')
    await page.getByTestId('composer-input').press('Enter')
    const queued = page.locator('[data-testid="message"][data-state="queued"]').filter({ hasText: 'written on the train' })
    await queued.waitFor()
    await queued.getByTestId('message-queued').waitFor()
    const clientMsgId = await queued.getAttribute('data-client-msg-id')
    assert.ok(clientMsgId)

    await context.setOffline(false)
    await page
      .locator(`[data-testid="message"][data-state="sent"][data-client-msg-id="${clientMsgId}"]`)
      .waitFor({ timeout: 45_000 })
    const history = await restOk('GET', `/api/v1/conversations/${conversationId}/messages?limit=50`, undefined, bob.token)
    const copies = history.items.filter((m) => m.client_msg_id === clientMsgId)
    assert.equal(copies.length, 1, 'delivered exactly once')
    assert.equal(copies[0].body, 'written on the train')
  } catch (err) {
    await context.setOffline(false)
    await explain(err)
  } finally {
    await page.close()
  }
})

test('at 360 px the chats, a conversation and the other main views fit the width', async () => {
  const { page, explain } = await openConsole('/chats', { width: 360, height: 740 })
  try {
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    await page.getByTestId('chat-item').first().waitFor()
    assert.equal(await overflow(), 0, 'the chat list scrolls sideways')
    await page.goto(`${BASE}/console/#/chats/${conversationId}`)
    await bodyText(page, 'first from bob').waitFor()
    await page.getByTestId('composer-input').waitFor()
    assert.equal(await overflow(), 0, 'the conversation scrolls sideways')
    const composer = await page.getByTestId('composer-input').boundingBox()
    assert.ok(composer.x >= 0 && composer.x + composer.width <= 360, `composer at ${JSON.stringify(composer)}`)
    for (const [hash, ready] of [
      ['/friends', 'my-qr-open'],
      ['/groups', 'group-create-open'],
      ['/wallet', 'wallet-ledger'],
    ]) {
      await page.goto(`${BASE}/console/#${hash}`)
      await page.getByTestId(ready).first().waitFor({ state: 'attached' })
      assert.equal(await overflow(), 0, `${hash} scrolls sideways`)
    }
  } catch (err) {
    await explain(err)
  } finally {
    await page.close()
  }
})

test('signing out forgets what was kept for offline reading', async () => {
  const { page, explain } = await openConsole('/chats')
  try {
    await page.getByTestId('chat-item').first().waitFor()
    await controlled(page)
    await page.waitForFunction(() => caches.has('parley-data'))
    await page.getByTestId('logout').click()
    await page.waitForURL(/#\/login/)
    assert.equal(await page.evaluate(() => caches.has('parley-data')), false)
  } catch (err) {
    await explain(err)
  } finally {
    await page.close()
  }
})
