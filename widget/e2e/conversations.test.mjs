// A page view creates nothing, and a visitor keeps several conversations:
// the widget on a host page of another origin (see .ci/browser).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { adminToken, agentSay, createAgent, createSite, hostSite, launch, restOk, watch } from './helpers.mjs'

let browser
let host
let admin

before(async () => {
  browser = await launch()
  host = await hostSite()
  admin = await adminToken()
})

after(async () => {
  await browser?.close()
  host?.close()
})

const frameOf = (page) => page.frameLocator('iframe[data-testid="parley-frame"]')
const messageWithText = (f, text) =>
  f.getByTestId('parley-message').filter({ has: f.getByTestId('parley-message-body').getByText(text, { exact: true }) })

async function mine(agent, n) {
  const deadline = Date.now() + 10_000
  for (;;) {
    const inbox = await restOk('GET', '/api/v1/agent/conversations?view=mine', undefined, agent.token)
    if ((inbox.items?.length || 0) >= n) return inbox.items
    if (Date.now() > deadline) throw new Error(`the agent never had ${n} conversations`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

test('the launcher appears with the site settings and no session starts until the click', async () => {
  const site = await createSite(admin, 'Quiet', { allowed_origins: [host.origin], color: '#0b7285', launcher_position: 'left' })
  const context = await browser.newContext()
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  const { explain } = watch(page)
  const sessions = []
  const reads = []
  page.on('request', (r) => {
    if (r.url().includes('/api/v1/widget/session')) sessions.push(r.method())
    if (r.url().includes('/api/v1/widget/sites/')) reads.push(r.method())
  })
  try {
    await page.goto(host.url('/', site.public_key))
    const launcher = page.getByTestId('parley-launcher')
    await launcher.waitFor()
    // The launcher is drawn from the public settings: colour and side.
    await page.waitForFunction(() => {
      const h = document.getElementById('parley-widget')
      return h && h.style.getPropertyValue('--parley-color') === '#0b7285' && h.style.left === '0px'
    })
    // The frame preloads when the page is idle and tells the loader it is ready: still no session.
    await page.waitForFunction(() => window.__parleyWidget && window.__parleyWidget.answered)
    assert.deepEqual(sessions, [])
    assert.ok(reads.length >= 1)

    await launcher.click()
    const f = frameOf(page)
    await f.getByTestId('parley-input').waitFor()
    assert.deepEqual(sessions, ['POST'])
  } catch (e) {
    throw explain(e)
  } finally {
    await context.close()
  }
})

test('a visitor starts a second conversation, sees both listed, and the agent’s answer in the first', async () => {
  const site = await createSite(admin, 'Multi', { allowed_origins: [host.origin] })
  const agent = await createAgent(admin, site)
  const context = await browser.newContext()
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  const { explain } = watch(page)
  try {
    await page.goto(host.url('/', site.public_key))
    await page.getByTestId('parley-launcher').click()
    const f = frameOf(page)
    await f.getByTestId('parley-input').fill('First question')
    await f.getByTestId('parley-send').click()
    await f.locator('[data-testid="parley-message"]:not([data-pending])').first().waitFor()
    const [first] = await mine(agent, 1)

    await f.getByTestId('parley-conversations').click()
    await f.getByTestId('parley-new-conversation').click()
    await f.getByTestId('parley-input').fill('Second question')
    await f.getByTestId('parley-send').click()
    await messageWithText(f, 'Second question').waitFor()
    await f.locator('[data-testid="parley-message"]:not([data-pending])').first().waitFor()
    assert.equal(await messageWithText(f, 'First question').count(), 0)
    await mine(agent, 2)

    // Both are listed, newest first.
    await f.getByTestId('parley-conversations').click()
    const items = f.getByTestId('parley-conversation')
    await items.nth(1).waitFor()
    assert.equal(await items.count(), 2)
    assert.match(await items.nth(0).textContent(), /Second question/)
    assert.match(await items.nth(1).textContent(), /First question/)

    // The agent answers the first: the list says so, and opening it shows it.
    await agentSay(agent, first.id, 'Answer to the first')
    await f.locator(`[data-testid="parley-conversation"][data-conversation-id="${first.id}"]`).getByText('Answer to the first').waitFor()
    await f.locator(`[data-testid="parley-conversation"][data-conversation-id="${first.id}"]`).click()
    await messageWithText(f, 'Answer to the first').waitFor()
    await messageWithText(f, 'First question').waitFor()
    assert.equal(await messageWithText(f, 'Second question').count(), 0)
  } catch (e) {
    throw explain(e)
  } finally {
    await context.close()
  }
})
