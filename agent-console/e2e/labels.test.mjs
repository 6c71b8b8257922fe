// Labels and SLA in the console: an admin makes a label, an agent applies
// it to two conversations at once, filters the inbox by it, and sees a
// conversation overdue against its queue's first-response target (see
// .ci/browser).
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { BASE, adminSession, createUser, launch, openSignedIn, restOk, signInPage, visitor } from './helpers.mjs'

let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

test('an admin makes a label; an agent applies it to two conversations at once, filters by it and sees an SLA overdue badge', async () => {
  const adminSess = await adminSession()
  const admin = adminSess.access_token
  const name = `Urgent ${randomUUID().slice(0, 6)}`

  // The admin creates the label on the Labels page.
  const adminPage = await openSignedIn(browser, adminSess, '/admin/labels')
  try {
    await adminPage.page.getByTestId('labels-admin').waitFor()
    await adminPage.page.getByTestId('label-name').fill(name)
    await adminPage.page.getByTestId('label-colour').fill('#c92a2a')
    await adminPage.page.getByTestId('label-create').click()
    await adminPage.page.getByTestId('label-row').filter({ hasText: name }).waitFor()
  } catch (err) {
    await adminPage.explain(err)
  } finally {
    await adminPage.context.close()
  }
  const labels = await restOk('GET', '/api/v1/labels', undefined, admin)
  const label = labels.items.find((l) => l.name === name)
  assert.ok(label, `the label is listed: ${JSON.stringify(labels)}`)
  assert.equal(label.colour, '#c92a2a')

  // A site whose queue wants a first reply within 2 seconds.
  const site = await restOk('POST', '/api/v1/sites', { name: `SLA ${randomUUID().slice(0, 6)}` }, admin, [201])
  const queue = site.queues[0]
  await restOk('PATCH', `/api/v1/queues/${queue.id}`, { first_response_target_s: 2 }, admin)
  const agent = await createUser(admin, 'Lena', 'agent')
  await restOk('PUT', `/api/v1/queues/${queue.id}/agents/${agent.user.id}`, { capacity: 5 }, admin, [200, 204])

  const ids = []
  for (const text of ['My parcel is late', 'Wrong size delivered']) {
    const s = await visitor('POST', '/api/v1/widget/session', { site_key: site.public_key, page_url: `${BASE}/demo` })
    const opened = await visitor('POST', '/api/v1/widget/conversations', {}, s.visitor_token)
    await visitor('POST', `/api/v1/widget/conversations/${opened.conversation.id}/messages`, { client_msg_id: randomUUID(), body: text }, s.visitor_token)
    ids.push(opened.conversation.id)
  }

  const { context, page, explain } = await signInPage(browser, agent)
  try {
    await page.waitForURL(/#\/inbox/)
    await page.getByTestId('inbox-view-all').click()
    const rows = ids.map((id) => page.locator(`[data-testid="inbox-item"][data-conversation-id="${id}"]`))
    for (const r of rows) await r.waitFor()

    // Both ticked, one label applied to both in one request.
    for (const id of ids) await page.locator(`[data-testid="inbox-select"][data-conversation-id="${id}"]`).check()
    await page.getByTestId('bulk-bar').waitFor()
    await page.getByTestId('bulk-label').selectOption(String(label.id))
    const bulk = page.waitForResponse((r) => r.url().endsWith('/api/v1/support/conversations/labels') && r.request().method() === 'POST')
    await page.getByTestId('bulk-apply').click()
    assert.equal((await bulk).status(), 200)
    for (const r of rows) await r.getByTestId('label-chip').filter({ hasText: name }).waitFor()
    await page.getByTestId('bulk-bar').waitFor({ state: 'detached' })

    // The filter keeps exactly the labelled conversations.
    const filtered = page.waitForResponse((r) => r.url().includes(`label_id=${label.id}`))
    await page.getByTestId('inbox-label-filter').selectOption(String(label.id))
    assert.equal((await filtered).status(), 200)
    await page.waitForFunction(
      (want) => {
        const items = [...document.querySelectorAll('[data-testid="inbox-item"]')].map((e) => Number(e.getAttribute('data-conversation-id')))
        return items.length === want.length && want.every((id) => items.includes(id))
      },
      ids,
      { timeout: 15_000 },
    )

    // Nobody answered within 2 seconds: the rows say overdue.
    for (const r of rows) await r.locator('[data-testid="sla-badge"][data-sla="overdue"]').waitFor({ timeout: 20_000 })
    assert.match(await rows[0].getByTestId('sla-badge').innerText(), /overdue/)
  } catch (err) {
    await explain(err)
  } finally {
    await context.close()
  }
})
