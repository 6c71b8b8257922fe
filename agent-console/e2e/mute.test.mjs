// Muting a conversation: the agent mutes a support chat from its header,
// the inbox shows it muted, and a visitor message arriving there plays no
// chime and shows no desktop notification, while an unmuted one does
// (see .ci/browser). The page's AudioContext and Notification are spies.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { BASE, adminToken, createUser, launch, rest, restOk, visitor, watch } from './helpers.mjs'

let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

function spies() {
  window.__alerts = { chimes: 0, notifications: 0 }
  class FakeAudio {
    constructor() {
      this.state = 'running'
      this.currentTime = 0
      this.destination = {}
    }
    resume() {}
    createOscillator() {
      window.__alerts.chimes++
      return { type: '', frequency: { value: 0 }, connect: (x) => x, start() {}, stop() {} }
    }
    createGain() {
      return { gain: { setValueAtTime() {}, exponentialRampToValueAtTime() {} }, connect: (x) => x }
    }
  }
  class FakeNotification {
    static permission = 'granted'
    static requestPermission() {
      return Promise.resolve('granted')
    }
    constructor() {
      window.__alerts.notifications++
    }
    close() {}
  }
  window.AudioContext = FakeAudio
  window.Notification = FakeNotification
}

async function visitorSays(site, body) {
  const s = await visitor('POST', '/api/v1/widget/session', { site_key: site.public_key, page_url: `${BASE}/demo`, referrer: '', locale: 'en' })
  const conv = await visitor('POST', '/api/v1/widget/conversations', {}, s.visitor_token)
  const say = (text) =>
    visitor('POST', `/api/v1/widget/conversations/${conv.conversation.id}/messages`, { client_msg_id: randomUUID(), body: text }, s.visitor_token)
  await say(body)
  return { id: conv.conversation.id, say }
}

test('a muted support chat shows muted and makes no sound or notification', async () => {
  const admin = await adminToken()
  const site = await restOk('POST', '/api/v1/sites', { name: `Quiet ${randomUUID().slice(0, 6)}` }, admin, [201])
  const queue = site.queues?.find((q) => q.is_default) ?? site.queues?.[0]
  const agent = await createUser(admin, 'Mona', 'agent', { login: false })
  await restOk('PUT', `/api/v1/queues/${queue.id}/agents/${agent.user.id}`, { capacity: 5 }, admin, [200, 204])
  const sess = await restOk('POST', '/api/v1/auth/login', { login: agent.username, password: agent.password })

  const context = await browser.newContext()
  await context.addInitScript(spies)
  await context.addInitScript(
    (value) => {
      if (!window.sessionStorage.getItem('parley.test.seeded')) {
        window.sessionStorage.setItem('parley.test.seeded', '1')
        window.localStorage.setItem('parley.auth', value)
      }
    },
    JSON.stringify({ access_token: sess.access_token, refresh_token: sess.refresh_token, expires_at: Date.now() + sess.expires_in * 1000 }),
  )
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  const explain = watch(page)
  const counts = () => page.evaluate(() => ({ ...window.__alerts }))
  try {
    await page.goto(`${BASE}/console/#/inbox`)
    await page.getByTestId('connection-status').waitFor({ state: 'detached' })
    const statusSet = page.waitForResponse((r) => r.url().endsWith('/api/v1/agent/status') && r.request().method() === 'PUT')
    await page.getByTestId('agent-status').selectOption('online')
    assert.equal((await statusSet).status(), 200)

    // Unmuted, a visitor's message chimes (the spies work).
    const first = await visitorSays(site, 'First visitor here')
    const item1 = page.locator(`[data-testid="inbox-item"][data-conversation-id="${first.id}"]`)
    await item1.filter({ hasText: 'First visitor here' }).waitFor()
    await page.waitForFunction(() => window.__alerts.chimes > 0)

    // Mute it for ever from its header, with the keyboard.
    await item1.click()
    await page.getByTestId('mute-toggle').focus()
    await page.keyboard.press('Enter')
    await page.getByTestId('mute-panel').waitFor()
    const saved = page.waitForResponse((r) => r.url().endsWith(`/api/v1/conversations/${first.id}/notifications`))
    await page.getByTestId('mute-forever').click()
    assert.equal((await saved).status(), 200)
    await item1.getByTestId('muted-icon').waitFor()
    const listed = await rest('GET', `/api/v1/conversations/${first.id}`, undefined, sess.access_token)
    assert.equal(listed.body.muted, true, JSON.stringify(listed.body))

    // Look at another conversation, so that the first is off screen.
    const second = await visitorSays(site, 'Second visitor here')
    const item2 = page.locator(`[data-testid="inbox-item"][data-conversation-id="${second.id}"]`)
    await item2.filter({ hasText: 'Second visitor here' }).waitFor()
    await item2.click()
    await page.getByTestId('message-body').getByText('Second visitor here', { exact: true }).waitFor()
    const beforeMuted = await counts()

    // A message in the muted chat arrives and counts, silently.
    await first.say('Anyone there?')
    await item1.filter({ hasText: 'Anyone there?' }).waitFor()
    await item1.locator('.badge--muted').waitFor()
    assert.deepEqual(await counts(), beforeMuted, 'the muted chat chimed or notified')

    // Unmuted again, the next one chimes.
    await item1.click()
    await page.getByTestId('mute-toggle').click()
    await page.getByTestId('mute-off').click()
    await item1.getByTestId('muted-icon').waitFor({ state: 'detached' })
    await item2.click()
    await page.getByTestId('message-body').getByText('Second visitor here', { exact: true }).waitFor()
    const beforeUnmuted = await counts()
    await first.say('Hello again')
    await page.waitForFunction((n) => window.__alerts.chimes > n, beforeUnmuted.chimes)
  } catch (err) {
    await explain(err)
  } finally {
    await context.close()
  }
})
