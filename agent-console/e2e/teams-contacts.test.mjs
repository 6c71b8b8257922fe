// Teams and contacts in the console: an admin makes a team with an agent
// and points a queue at it, so that a visitor's conversation reaches the
// member; another agent transfers a conversation to the team; on the
// Contacts page an agent sets an attribute and merges two contacts of the
// same site (see .ci/browser).
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { after, before, test } from 'node:test'
import { BASE, adminSession, createUser, launch, openSignedIn, restOk, signInPage, visitor } from './helpers.mjs'

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** The critical and serious axe violations of what the page shows now, one line each. */
async function axe(page, what) {
  await page.evaluate(AXE)
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] })
    return r.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious').map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`)
  })
  assert.deepEqual(found, [], `${what}: axe violations`)
}

let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

/** A visitor of the site with one conversation and a first message; returns {visitorId, token, conversationId}. */
async function visitorWrites(site, text) {
  const s = await visitor('POST', '/api/v1/widget/session', { site_key: site.public_key, page_url: `${BASE}/demo` })
  const opened = await visitor('POST', '/api/v1/widget/conversations', {}, s.visitor_token)
  await visitor('POST', `/api/v1/widget/conversations/${opened.conversation.id}/messages`, { client_msg_id: randomUUID(), body: text }, s.visitor_token)
  return { visitorId: s.visitor.id, token: s.visitor_token, conversationId: opened.conversation.id }
}

/** Polls the REST API until check(body) holds (15 s at most). */
async function until(path, token, check, what) {
  const deadline = Date.now() + 15_000
  let last
  while (Date.now() < deadline) {
    last = await restOk('GET', path, undefined, token)
    if (check(last)) return last
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`${what}: ${JSON.stringify(last)}`)
}

test('an admin makes a team that serves a queue; its member gets the visitor, a transfer to the team reaches them, and their team view lists both', async () => {
  const adminSess = await adminSession()
  const admin = adminSess.access_token
  const teamName = `Billing ${randomUUID().slice(0, 6)}`
  const site = await restOk('POST', '/api/v1/sites', { name: `Teams ${randomUUID().slice(0, 6)}` }, admin, [201])
  const queue = site.queues.find((q) => q.is_default) ?? site.queues[0]
  const tess = await createUser(admin, 'Tess', 'agent')
  const rex = await createUser(admin, 'Rex', 'agent')

  // The admin creates the team, adds Tess and points the site's queue at it.
  const adminPage = await openSignedIn(browser, adminSess, '/admin/teams')
  let teamId
  try {
    const page = adminPage.page
    await page.getByTestId('teams-admin').waitFor()
    await page.getByTestId('team-name-input').fill(teamName)
    await page.getByTestId('team-capacity-input').fill('2')
    await page.getByTestId('team-create').click()
    const card = page.getByTestId('team').filter({ has: page.getByTestId('team-name').getByText(teamName, { exact: true }) })
    await card.waitFor()
    teamId = Number(await card.getAttribute('data-team-id'))
    await card.getByTestId('team-member-pick').selectOption(String(tess.user.id))
    await card.getByTestId('team-member-add').click()
    const row = card.locator(`[data-testid="team-member"][data-user-id="${tess.user.id}"]`)
    await row.waitFor()
    assert.match(await row.getByTestId('team-member-state').innerText(), /0\/2/)
    await axe(page, 'Admin → Teams with a member')

    await page.goto(`${BASE}/console/#/admin/sites/${site.id}`)
    const select = page.getByTestId('queue').first().getByTestId('queue-team')
    await select.locator(`option[value="${teamId}"]`).waitFor({ state: 'attached' })
    const patched = page.waitForResponse((r) => r.url().endsWith(`/api/v1/queues/${queue.id}`) && r.request().method() === 'PATCH')
    await select.selectOption(String(teamId))
    assert.equal((await patched).status(), 200)
  } catch (err) {
    await adminPage.explain(err)
  } finally {
    await adminPage.context.close()
  }
  const queues = await restOk('GET', `/api/v1/sites/${site.id}/queues`, undefined, admin)
  assert.equal(queues.items.find((q) => q.id === queue.id).team_id, teamId)

  // Tess goes online in her console: the visitor's conversation reaches her.
  await restOk('PUT', '/api/v1/agent/status', { status: 'online' }, tess.token)
  const tessPage = await signInPage(browser, tess)
  let rexPage
  try {
    const page = tessPage.page
    await page.waitForURL(/#\/inbox/)
    const first = await visitorWrites(site, 'My invoice is wrong')
    await page.locator(`[data-testid="inbox-item"][data-conversation-id="${first.conversationId}"]`).waitFor()
    await until(`/api/v1/agent/conversations?view=mine&limit=50`, tess.token, (b) => b.items.some((c) => c.id === first.conversationId), 'the first conversation is assigned to Tess')

    // Tess steps away; Rex, an agent of the queue, takes the next one and transfers it to the team.
    await restOk('PUT', '/api/v1/agent/status', { status: 'away' }, tess.token)
    await restOk('PUT', `/api/v1/queues/${queue.id}/agents/${rex.user.id}`, { capacity: 3 }, admin, [200, 204])
    await restOk('PUT', '/api/v1/agent/status', { status: 'online' }, rex.token)
    rexPage = await signInPage(browser, rex)
    const second = await visitorWrites(site, 'Please refund me')
    await until(`/api/v1/agent/conversations?view=mine&limit=50`, rex.token, (b) => b.items.some((c) => c.id === second.conversationId), 'the second conversation reaches Rex')
    await restOk('PUT', '/api/v1/agent/status', { status: 'online' }, tess.token)

    const rp = rexPage.page
    await rp.goto(`${BASE}/console/#/inbox/${second.conversationId}`)
    await rp.getByTestId('support-transfer').click()
    await rp.locator(`[data-testid="transfer-team"][value="team:${teamId}"]`).waitFor({ state: 'attached' })
    await rp.getByTestId('transfer-target').selectOption(`team:${teamId}`)
    await axe(rp, 'the transfer form with teams')
    const moved = rp.waitForResponse((r) => r.url().endsWith(`/api/v1/support/conversations/${second.conversationId}/transfer`))
    await rp.getByTestId('transfer-submit').click()
    const answer = await moved
    assert.equal(answer.status(), 200)
    assert.deepEqual(JSON.parse(answer.request().postData()), { team_id: teamId })

    // Tess has it now, live, and her team view lists both conversations.
    await page.locator(`[data-testid="inbox-item"][data-conversation-id="${second.conversationId}"]`).waitFor()
    await until(`/api/v1/agent/conversations?view=mine&limit=50`, tess.token, (b) => b.items.some((c) => c.id === second.conversationId), 'the transfer reaches Tess')
    const teamView = page.waitForResponse((r) => r.url().includes(`view=team`) && r.url().includes(`team_id=${teamId}`))
    await page.getByTestId('inbox-team-view').selectOption(String(teamId))
    assert.equal((await teamView).status(), 200)
    await page.waitForFunction(
      (want) => {
        const ids = [...document.querySelectorAll('[data-testid="inbox-item"]')].map((e) => Number(e.getAttribute('data-conversation-id')))
        return want.every((id) => ids.includes(id))
      },
      [first.conversationId, second.conversationId],
    )
    assert.match(page.url(), new RegExp(`team=${teamId}`))
    await axe(page, "the inbox's team view")
  } catch (err) {
    await tessPage.explain(err)
  } finally {
    await tessPage.context.close()
    await rexPage?.context.close()
  }
})

test('on the Contacts page an agent sets an attribute and merges a duplicate of the same site into a contact', async () => {
  const adminSess = await adminSession()
  const admin = adminSess.access_token
  const site = await restOk('POST', '/api/v1/sites', { name: `Contacts ${randomUUID().slice(0, 6)}` }, admin, [201])
  const queue = site.queues.find((q) => q.is_default) ?? site.queues[0]
  const cleo = await createUser(admin, 'Cleo', 'agent')
  await restOk('PUT', `/api/v1/queues/${queue.id}/agents/${cleo.user.id}`, { capacity: 5 }, admin, [200, 204])

  const tag = randomUUID().slice(0, 6)
  const main = await visitorWrites(site, 'Hello from my laptop')
  const dup = await visitorWrites(site, 'Hello from my phone')
  await restOk('PATCH', `/api/v1/support/visitors/${main.visitorId}`, { name: `Dana ${tag}`, email: `dana${tag}@example.com` }, cleo.token)
  await restOk('PATCH', `/api/v1/support/visitors/${dup.visitorId}`, { name: `Dana phone ${tag}`, attributes: { city: 'Lyon' } }, cleo.token)

  const { context, page, explain } = await signInPage(browser, cleo)
  try {
    await page.getByTestId('nav-contacts').click()
    await page.getByTestId('contacts-page').waitFor()
    await page.getByTestId('contacts-search').fill(tag)
    await page.getByTestId('contacts-search-submit').click()
    await page.locator(`[data-testid="contact-item"][data-visitor-id="${dup.visitorId}"]`).waitFor()
    await page.locator(`[data-testid="contact-item"][data-visitor-id="${main.visitorId}"]`).click()
    const profile = page.getByTestId('contact-profile')
    await profile.getByTestId('contact-name').getByText(`Dana ${tag}`, { exact: true }).waitFor()
    assert.equal(await profile.getByTestId('contact-email').innerText(), `dana${tag}@example.com`)

    // A bad key is refused next to the field; a good one is saved.
    await profile.getByTestId('attribute-add').click()
    const row = profile.getByTestId('attribute-row').last()
    await row.getByTestId('attribute-key').fill('Plan')
    await row.getByTestId('attribute-value').fill('pro')
    await profile.getByTestId('attribute-save').click()
    await row.getByTestId('attribute-key-error').waitFor()
    assert.equal(await row.getByTestId('attribute-key').getAttribute('aria-invalid'), 'true')
    await row.getByTestId('attribute-key').fill('plan')
    const saved = page.waitForResponse((r) => r.url().endsWith(`/api/v1/support/visitors/${main.visitorId}`) && r.request().method() === 'PATCH')
    await profile.getByTestId('attribute-save').click()
    assert.equal((await saved).status(), 200)
    await profile.getByTestId('attribute-saved').waitFor()
    const stored = await restOk('GET', `/api/v1/support/visitors/${main.visitorId}`, undefined, cleo.token)
    assert.deepEqual(stored.attributes, { plan: 'pro' })
    assert.equal(stored.attribute_sources.plan, 'agent')

    // What only the server refuses is shown next to the field its 400 names.
    await profile.getByTestId('attribute-add').click()
    const bad = profile.getByTestId('attribute-row').last()
    await bad.getByTestId('attribute-key').fill('note')
    await bad.getByTestId('attribute-value').fill('a\u0000b')
    const refused = page.waitForResponse((r) => r.url().endsWith(`/api/v1/support/visitors/${main.visitorId}`) && r.request().method() === 'PATCH')
    await profile.getByTestId('attribute-save').click()
    const refusal = await refused
    assert.equal(refusal.status(), 400)
    assert.ok((await refusal.json()).error.details['attributes.note'])
    assert.match(await bad.getByTestId('attribute-value-error').innerText(), /NUL/)
    assert.equal(await bad.getByTestId('attribute-value').getAttribute('aria-invalid'), 'true')
    await bad.getByTestId('attribute-remove').click()
    assert.equal(await profile.getByTestId('attribute-row').count(), 1)

    // The merge dialog takes the focus, and Escape closes it, giving the focus back.
    await profile.getByTestId('contact-merge').click()
    const dialog = page.getByTestId('merge-dialog')
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'merge-search')
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'contact-merge')

    // Merge the phone's contact into this one.
    await page.keyboard.press('Enter')
    await dialog.getByTestId('merge-search').fill(`phone ${tag}`)
    await dialog.getByTestId('merge-search-submit').click()
    const option = dialog.locator(`[data-testid="merge-option"][data-visitor-id="${dup.visitorId}"]`)
    await option.waitFor()
    assert.equal(await dialog.locator(`[data-testid="merge-option"][data-visitor-id="${main.visitorId}"]`).count(), 0)
    await option.locator('input[type="radio"]').check()
    await dialog.getByTestId('merge-question').waitFor()
    await axe(page, 'the merge dialog')
    const merged = page.waitForResponse((r) => r.url().endsWith(`/api/v1/support/visitors/${main.visitorId}/merge`))
    await dialog.getByTestId('merge-confirm').click()
    const answer = await merged
    assert.equal(answer.status(), 200)
    assert.deepEqual(JSON.parse(answer.request().postData()), { from_visitor_id: dup.visitorId })
    await dialog.waitFor({ state: 'detached' })

    // The profile now holds both conversations and the duplicate's attribute; the duplicate is gone from the list.
    await profile.getByTestId('contact-notice').waitFor()
    await page.locator(`[data-testid="contact-conversation"][data-conversation-id="${dup.conversationId}"]`).waitFor()
    await page.locator(`[data-testid="contact-conversation"][data-conversation-id="${main.conversationId}"]`).waitFor()
    assert.equal(await profile.getByTestId('contact-conversations-count').innerText(), '2')
    const keys = await profile.getByTestId('attribute-key').evaluateAll((els) => els.map((e) => e.value))
    assert.deepEqual(keys.sort(), ['city', 'plan'])
    await page.locator(`[data-testid="contact-item"][data-visitor-id="${dup.visitorId}"]`).waitFor({ state: 'detached' })
    const after = await restOk('GET', `/api/v1/support/visitors/${main.visitorId}`, undefined, cleo.token)
    assert.deepEqual(after.attributes, { city: 'Lyon', plan: 'pro' })

    // The inbox's visitor panel edits the same attributes.
    await page.goto(`${BASE}/console/#/inbox/${main.conversationId}`)
    const panel = page.getByTestId('visitor-panel')
    await panel.getByTestId('attribute-editor').waitFor()
    assert.deepEqual((await panel.getByTestId('attribute-key').evaluateAll((els) => els.map((e) => e.value))).sort(), ['city', 'plan'])
  } catch (err) {
    await explain(err)
  } finally {
    await context.close()
  }
})
