// The first run and the agent's day in a real browser (see .ci/browser):
// the admin's checklist follows what they do and ends with a chat from the
// demo page; an agent lands on the Inbox and their status is the server's,
// across a reload and a second device.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { BASE, adminSession, createUser, launch, openSignedIn, restOk, signInPage, watch } from './helpers.mjs'

let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

const step = (page, id) => page.locator(`[data-testid="checklist-step"][data-step="${id}"]`)

test('first run: the checklist follows the admin to a chat from the demo page', async () => {
  // A new admin of their own: the queue and online steps are the caller's.
  const first = await adminSession()
  const ola = await createUser(first.access_token, 'Ola', 'admin', { login: false })
  const sess = await restOk('POST', '/api/v1/auth/login', { login: ola.username, password: ola.password })
  const site = await restOk('POST', '/api/v1/sites', { name: `Demo ${randomUUID().slice(0, 6)}` }, sess.access_token, [201])
  const queue = site.queues.find((q) => q.is_default) ?? site.queues[0]

  const { context, page, explain } = await openSignedIn(browser, sess, '/')
  const demo = await browser.newContext()
  try {
    await page.waitForURL(/#\/inbox$/)
    await page.getByTestId('setup-checklist').waitFor()
    await step(page, 'create_site').and(page.locator('[data-done="true"]')).waitFor()
    await step(page, 'go_online').and(page.locator('[data-done="false"]')).waitFor()

    // Joining a queue and going online show up live.
    await restOk('PUT', `/api/v1/queues/${queue.id}/agents/${sess.user.id}`, { capacity: 5 }, sess.access_token, [200, 204])
    await step(page, 'join_queue').and(page.locator('[data-done="true"]')).waitFor()
    await page.getByTestId('checklist-go-online').click()
    await step(page, 'go_online').and(page.locator('[data-done="true"]')).waitFor()
    assert.equal(await page.getByTestId('agent-status').inputValue(), 'online')

    // A visitor writes from the demo page, which embeds the chosen site.
    const visitorPage = await demo.newPage()
    visitorPage.setDefaultTimeout(15_000)
    const explainVisitor = watch(visitorPage)
    try {
      await visitorPage.goto(`${BASE}/demo?site=${site.id}`)
      await visitorPage.getByTestId('parley-launcher').click()
      const f = visitorPage.frameLocator('iframe[data-testid="parley-frame"]')
      await f.getByTestId('parley-input').fill('A test from the demo page')
      await f.getByTestId('parley-send').click()
      await f.locator('[data-testid="parley-message"]:not([data-pending])').first().waitFor()
    } catch (err) {
      await explainVisitor(err)
    }
    await step(page, 'test_message').and(page.locator('[data-done="true"]')).waitFor({ timeout: 20_000 })
    // The chat reached the admin's Inbox.
    await page.getByTestId('inbox-item').filter({ hasText: 'A test from the demo page' }).first().waitFor()
  } catch (err) {
    await explain(err)
  } finally {
    await demo.close()
    await context.close()
  }
})

test("the agent's day: lands on the Inbox, and the status is the server's across a reload and a second device", async () => {
  const sess = await adminSession()
  const agent = await createUser(sess.access_token, 'Dana', 'agent', { login: false })
  const { context, page, explain } = await signInPage(browser, agent)
  let second
  try {
    await page.waitForURL(/#\/inbox/)
    await page.getByTestId('connection-status').waitFor({ state: 'detached' })
    assert.equal(await page.getByTestId('agent-status').inputValue(), 'offline')
    const set = page.waitForResponse((r) => r.url().endsWith('/api/v1/agent/status') && r.request().method() === 'PUT')
    await page.getByTestId('agent-status').selectOption('online')
    assert.equal((await set).status(), 200)

    await page.reload()
    await page.waitForFunction(() => document.querySelector('[data-testid="agent-status"]')?.value === 'online')

    // Another device (no shared storage) signs in and reads the same status.
    second = await signInPage(browser, agent)
    await second.page.waitForURL(/#\/inbox/)
    await second.page.waitForFunction(() => document.querySelector('[data-testid="agent-status"]')?.value === 'online')
    await second.page.getByTestId('connection-status').waitFor({ state: 'detached' })

    // A change there reaches the first one without a reload.
    await second.page.getByTestId('agent-status').selectOption('away')
    await page.waitForFunction(() => document.querySelector('[data-testid="agent-status"]')?.value === 'away')
  } catch (err) {
    await explain(err)
  } finally {
    await second?.context.close()
    await context.close()
  }
})
