// Inbox search and collision detection: two agents open the same visitor
// conversation and each sees the other's chip (viewing, then typing); a
// search finds the conversation by a word of the visitor's message; the
// visitor panel opens their earlier conversation (see .ci/browser).
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { BASE, adminToken, createUser, launch, restOk, signInPage, visitor } from './helpers.mjs'

let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})


async function agentNamed(admin, queueId, nickname) {
  const a = await createUser(admin, nickname, 'agent')
  await restOk('PUT', `/api/v1/queues/${queueId}/agents/${a.user.id}`, { capacity: 3 }, admin, [200, 204])
  await restOk('PATCH', '/api/v1/me', { nickname }, a.token)
  return a
}

async function openInbox(u, conversationId) {
  const s = await signInPage(browser, u)
  await s.page.getByTestId('nav-inbox').click()
  await s.page.waitForURL(/#\/inbox/)
  await s.page.getByTestId('connection-status').waitFor({ state: 'detached' })
  await s.page.getByTestId('inbox-view-all').click()
  await s.page.locator(`[data-testid="inbox-item"][data-conversation-id="${conversationId}"]`).click()
  await s.page.getByTestId('visitor-panel').waitFor()
  return s
}

test('two agents on one conversation see each other, and search finds it by a word', async () => {
  const admin = await adminToken()
  const site = await restOk('POST', '/api/v1/sites', { name: `Desk ${randomUUID().slice(0, 6)}` }, admin, [201])
  const queue = site.queues?.find((q) => q.is_default) ?? site.queues?.[0]
  const ana = await agentNamed(admin, queue.id, 'Ana')
  const ben = await agentNamed(admin, queue.id, 'Ben')

  const word = `umbrella${randomUUID().slice(0, 8)}`
  const session = await visitor('POST', '/api/v1/widget/session', { site_key: site.public_key, page_url: `${BASE}/demo` })
  const vt = session.visitor_token
  // The visitor's earlier conversation, already resolved.
  const first = await visitor('POST', '/api/v1/widget/conversations', {}, vt)
  await visitor('POST', `/api/v1/widget/conversations/${first.conversation.id}/messages`, { client_msg_id: randomUUID(), body: 'An old question' }, vt)
  await restOk('POST', `/api/v1/support/conversations/${first.conversation.id}/resolve`, {}, admin)
  const opened = await visitor('POST', '/api/v1/widget/conversations', {}, vt)
  const conversationId = opened.conversation.id
  await visitor('POST', `/api/v1/widget/conversations/${conversationId}/messages`, { client_msg_id: randomUUID(), body: `My ${word} broke in the rain` }, vt)
  // An earlier, resolved conversation of someone else stays out of the search.
  const other = await visitor('POST', '/api/v1/widget/session', { site_key: site.public_key, page_url: `${BASE}/demo` })
  const otherConv = await visitor('POST', '/api/v1/widget/conversations', {}, other.visitor_token)
  await visitor('POST', `/api/v1/widget/conversations/${otherConv.conversation.id}/messages`, { client_msg_id: randomUUID(), body: 'Nothing to see' }, other.visitor_token)

  const a = await openInbox(ana, conversationId)
  const b = await openInbox(ben, conversationId)
  try {
    // Each sees the other's chip.
    await a.page.getByTestId('viewer-chip').filter({ hasText: 'Ben is viewing' }).waitFor()
    await b.page.getByTestId('viewer-chip').filter({ hasText: 'Ana is viewing' }).waitFor()
    assert.equal(await a.page.getByTestId('viewer-chip').filter({ hasText: 'Ana' }).count(), 0, 'Ana does not see herself')

    // Ben types: Ana sees it.
    await b.page.getByTestId('composer-input').pressSequentially('Looking into it', { delay: 20 })
    await a.page.getByTestId('viewer-chip').filter({ hasText: 'Ben is typing…' }).waitFor()

    // Search by a word of the visitor's message.
    await a.page.getByTestId('inbox-search').fill(word)
    await a.page.waitForURL(new RegExp(`[?&]q=${word}`))
    const items = a.page.getByTestId('inbox-item')
    await items.filter({ hasText: word }).waitFor()
    await a.page.waitForFunction(() => document.querySelectorAll('[data-testid="inbox-item"]').length === 1)
    assert.equal(await items.first().getAttribute('data-conversation-id'), String(conversationId))
    await a.page.getByTestId('inbox-search').fill(`nothing${randomUUID().slice(0, 8)}`)
    await a.page.getByTestId('inbox-empty').getByText('No conversations match').waitFor()
    await a.page.getByTestId('inbox-clear-filters').click()
    await a.page.locator(`[data-testid="inbox-item"][data-conversation-id="${otherConv.conversation.id}"]`).waitFor()
    assert.equal(await a.page.getByTestId('inbox-search').inputValue(), '')

    // Ben leaves the conversation: his chip goes from Ana's header.
    await b.page.getByTestId('nav-chats').click()
    await a.page.getByTestId('viewer-chip').filter({ hasText: 'Ben' }).waitFor({ state: 'detached' })

    // The visitor panel lists the earlier conversation; a click opens it in the pane.
    const earlier = a.page.locator(`[data-testid="visitor-history-item"][data-conversation-id="${first.conversation.id}"]`)
    await earlier.filter({ hasText: 'Resolved' }).waitFor()
    await earlier.click()
    await a.page.waitForURL(new RegExp(`#/inbox/${first.conversation.id}`))
    await a.page.getByTestId('message-body').getByText('An old question', { exact: true }).waitFor()
  } catch (err) {
    await a.explain(err)
  } finally {
    await a.context.close()
    await b.context.close()
  }
})
