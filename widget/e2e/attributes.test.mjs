// Parley.setAttributes on a host page of another origin (see .ci/browser):
// the attributes wait in the widget while the page is merely viewed, and
// reach the agents once the visitor opens the chat.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { adminToken, createAgent, createSite, hostSite, launch, restOk, watch } from './helpers.mjs'

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

async function until(what, fn, ms = 15_000) {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

test('attributes set before the chat opens reach the agent once the visitor writes', async () => {
  const site = await createSite(admin, 'Attrs', { allowed_origins: [host.origin] })
  const agent = await createAgent(admin, site)
  const context = await browser.newContext()
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  const { explain } = watch(page)
  const warnings = []
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()))
  const calls = []
  page.on('request', (r) => {
    if (/\/api\/v1\/widget\/(session|visitor)/.test(r.url())) calls.push(`${r.method()} ${new URL(r.url()).pathname}`)
  })
  try {
    await page.goto(host.url('/pricing', site.public_key))
    await page.waitForFunction(() => window.__parleyWidget && window.__parleyWidget.answered)
    await page.evaluate(() => {
      window.__stored = 'waiting'
      window.Parley.setAttributes({ plan: 'pro', order_id: 'A-42' }).then(
        () => (window.__stored = 'stored'),
        (e) => (window.__stored = `refused ${e.code}`),
      )
      window.Parley.setAttributes({ seats: 3 })
      window.__bad = window.Parley.setAttributes({ 'Order-ID': 'x' }).then(
        () => 'stored',
        (e) => e.code,
      )
    })
    assert.equal(await page.evaluate(() => window.__bad), 'invalid_attributes')
    assert.ok(warnings.some((w) => w.includes('"Order-ID"')), warnings.join('\n'))
    // A page view creates nothing: no session, no write, the promise still waits.
    assert.deepEqual(calls, [])
    assert.equal(await page.evaluate(() => window.__stored), 'waiting')

    await page.getByTestId('parley-launcher').click()
    const f = frameOf(page)
    await f.getByTestId('parley-input').fill('Which plan am I on?')
    await f.getByTestId('parley-send').click()
    await page.waitForFunction(() => window.__stored === 'stored')
    assert.deepEqual(calls.slice(0, 2), ['POST /api/v1/widget/session', 'PATCH /api/v1/widget/visitor'])

    const conv = await until('the conversation in the agent’s inbox', async () => {
      const inbox = await restOk('GET', '/api/v1/agent/conversations?view=mine', undefined, agent.token)
      return inbox.items?.[0]
    })
    const contact = await restOk('GET', `/api/v1/support/visitors/${conv.visitor.id}`, undefined, agent.token)
    assert.deepEqual(
      { plan: contact.attributes.plan, order_id: contact.attributes.order_id, seats: contact.attributes.seats },
      { plan: 'pro', order_id: 'A-42', seats: 3 },
    )

    // A returning visitor (their token in the frame's storage) stores at once, without opening the chat.
    await page.reload()
    await page.waitForFunction(() => window.__parleyWidget && window.__parleyWidget.answered)
    assert.equal(await page.evaluate(() => window.Parley.setAttributes({ plan: 'enterprise' }).then(() => 'stored')), 'stored')
    const again = await restOk('GET', `/api/v1/support/visitors/${conv.visitor.id}`, undefined, agent.token)
    assert.equal(again.attributes.plan, 'enterprise')
  } catch (e) {
    throw explain(e)
  } finally {
    await context.close()
  }
})
