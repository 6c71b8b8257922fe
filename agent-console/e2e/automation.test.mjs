// Automation rules in the console: an admin makes a rule on a site's admin
// page (a field error first, then a valid rule); a visitor on the pricing
// page opens a conversation; the inbox shows the rule's label and its
// canned reply tagged Automated (see .ci/browser).
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { BASE, adminSession, launch, openSignedIn, restOk, visitor } from './helpers.mjs'

let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

test('an admin makes an automation rule; a matching conversation gets its label and canned reply', async () => {
  const sess = await adminSession()
  const admin = sess.access_token
  const tag = randomUUID().slice(0, 6)
  const site = await restOk('POST', '/api/v1/sites', { name: `Auto ${tag}` }, admin, [201])
  const label = await restOk('POST', '/api/v1/labels', { name: `Pricing ${tag}`, colour: '#2b8a3e' }, admin, [201])
  const reply = `Our plans start at $10 (${tag}).`
  const canned = await restOk('POST', `/api/v1/sites/${site.id}/canned-responses`, { shortcut: `price${tag}`, body: reply }, admin, [201])

  const { context, page, explain } = await openSignedIn(browser, sess, `/admin/sites/${site.id}`)
  try {
    const section = page.getByTestId('site-automation')
    await section.waitFor()
    await section.getByTestId('automation-new').click()
    const form = section.getByTestId('automation-form')
    // Saved without a name, the form says what is wrong.
    await form.getByTestId('automation-save').click()
    await section.getByTestId('automation-error').waitFor()

    await form.getByTestId('automation-form-name').fill(`Pricing visitors ${tag}`)
    await form.getByTestId('automation-trigger').selectOption('conversation_created')
    await form.getByTestId('automation-add-condition').click()
    await form.getByTestId('automation-condition-field').selectOption('page_url')
    await form.getByTestId('automation-condition-operator').selectOption('contains')
    await form.getByTestId('automation-condition-value').fill('/pricing')
    await form.getByTestId('automation-action-label').selectOption(String(label.id))
    await form.getByTestId('automation-add-action').click()
    await form.getByTestId('automation-action-type').nth(1).selectOption('send_canned')
    await form.getByTestId('automation-action-canned').selectOption(String(canned.id))
    const saved = page.waitForResponse((r) => r.url().endsWith(`/api/v1/sites/${site.id}/automation-rules`) && r.request().method() === 'POST' && r.status() === 201)
    await form.getByTestId('automation-save').click()
    await saved
    await section.getByTestId('automation-row').filter({ hasText: `Pricing visitors ${tag}` }).waitFor()

    const rules = await restOk('GET', `/api/v1/sites/${site.id}/automation-rules`, undefined, admin)
    assert.equal(rules.items.length, 1)
    assert.deepEqual(rules.items[0].conditions, [{ field: 'page_url', operator: 'contains', value: '/pricing' }])
    assert.deepEqual(rules.items[0].actions, [{ type: 'add_label', label_id: label.id }, { type: 'send_canned', canned_id: canned.id }])

    // A visitor on the pricing page opens a conversation.
    const s = await visitor('POST', '/api/v1/widget/session', { site_key: site.public_key, page_url: `${BASE}/pricing?plan=pro` })
    const opened = await visitor('POST', '/api/v1/widget/conversations', {}, s.visitor_token)
    const id = opened.conversation.id

    await page.goto(`${BASE}/console/#/inbox`)
    await page.getByTestId('inbox-view-all').click()
    const row = page.locator(`[data-testid="inbox-item"][data-conversation-id="${id}"]`)
    await row.getByTestId('label-chip').filter({ hasText: `Pricing ${tag}` }).waitFor()
    await row.click()
    const msg = page.getByTestId('message').filter({ hasText: reply })
    await msg.getByTestId('automated-tag').waitFor()
    assert.equal(await msg.getByTestId('message-sender').textContent(), `Auto ${tag}`)
  } catch (err) {
    await explain(err)
  } finally {
    await context.close()
  }
})
