// The agent inbox: a visitor writes over the widget API, the conversation
// reaches the online agent live; the agent replies, notes privately and
// resolves (see .ci/browser).
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { BASE, adminToken, createUser, launch, rest, restOk, signInPage, visitor } from './helpers.mjs'

let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})


test('an agent gets a visitor conversation live, replies, notes privately and resolves', async () => {
  const admin = await adminToken()
  const site = await restOk('POST', '/api/v1/sites', { name: `Shop ${randomUUID().slice(0, 6)}` }, admin, [201])
  const queue = site.queues?.find((q) => q.is_default) ?? site.queues?.[0]
  assert.ok(queue, `the new site has a default queue: ${JSON.stringify(site)}`)
  const agent = await createUser(admin, 'Agnes', 'agent')
  await restOk('PUT', `/api/v1/queues/${queue.id}/agents/${agent.user.id}`, { capacity: 2 }, admin, [200, 204])

  const { context, page, explain } = await signInPage(browser, agent)
  try {
    await page.getByTestId('nav-inbox').click()
    await page.waitForURL(/#\/inbox/)
    await page.getByTestId('connection-status').waitFor({ state: 'detached' })
    const statusSet = page.waitForResponse((r) => r.url().endsWith('/api/v1/agent/status') && r.request().method() === 'PUT')
    await page.getByTestId('agent-status').selectOption('online')
    assert.equal((await statusSet).status(), 200)

    // The visitor, over the widget's REST API.
    const session = await visitor('POST', '/api/v1/widget/session', {
      site_key: site.public_key,
      page_url: `${BASE}/demo`,
      referrer: 'https://search.example/?q=shoes',
      locale: 'en-GB',
    })
    const vt = session.visitor_token
    const opened = await visitor('POST', '/api/v1/widget/conversations', {}, vt)
    const conversationId = opened.conversation.id
    await visitor('POST', `/api/v1/widget/conversations/${conversationId}/messages`, { client_msg_id: randomUUID(), body: 'Where is my order?' }, vt)

    // Live in Mine, without a reload.
    const item = page.locator(`[data-testid="inbox-item"][data-conversation-id="${conversationId}"]`)
    await item.waitFor()
    await item.filter({ hasText: 'Where is my order?' }).waitFor()
    await item.click()
    await page.getByTestId('message-body').getByText('Where is my order?', { exact: true }).waitFor()
    await page.getByTestId('visitor-page').getByText(`${BASE}/demo`).waitFor()

    // A reply reaches the visitor.
    await page.getByTestId('composer-input').fill('Let me check that for you.')
    await page.getByTestId('composer-send').click()
    await page.locator('[data-testid="message"][data-state="sent"]').filter({ hasText: 'Let me check that for you.' }).waitFor()

    // A private note is drawn apart and never reaches the visitor.
    await page.getByTestId('composer-mode-note').click()
    await page.getByTestId('composer-input').fill('Order 1234 is late at the warehouse')
    await page.getByTestId('composer-send').click()
    const note = page.locator('[data-testid="message"][data-state="sent"][data-kind="note"]').filter({ hasText: 'Order 1234 is late' })
    await note.waitFor()
    await note.getByTestId('note-tag').getByText('Only agents see this').waitFor()

    const history = await visitor('GET', `/api/v1/widget/conversations/${conversationId}/messages?limit=50`, undefined, vt)
    const bodies = history.items.map((m) => m.body)
    assert.ok(bodies.includes('Let me check that for you.'), `the visitor sees the reply: ${JSON.stringify(bodies)}`)
    assert.ok(!bodies.some((b) => b.includes('Order 1234')), `the visitor never sees the note: ${JSON.stringify(bodies)}`)
    assert.ok(!history.items.some((m) => m.kind === 'note'))

    // Resolve: it leaves Mine.
    await page.getByTestId('support-resolve').click()
    await page.getByTestId('support-reopen').waitFor()
    await item.waitFor({ state: 'detached' })
    assert.equal((await page.getByTestId('inbox-count-mine').innerText()).trim(), '0')
    const agentView = await rest('GET', '/api/v1/agent/conversations?view=all&status=resolved', undefined, agent.token)
    assert.ok(agentView.body.items.some((c) => c.id === conversationId && c.status === 'resolved'))
  } catch (err) {
    await explain(err)
  } finally {
    await context.close()
  }
})
