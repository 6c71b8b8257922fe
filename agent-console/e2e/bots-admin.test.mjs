// Bots in the console: an admin creates a bot on a site's page (its secret
// and token shown once), puts it first in a queue, rotates its token (the
// old one stops at once on the bot API) and deletes it, which takes it off
// the queue; axe finds nothing critical or serious in the sections (see
// .ci/browser).
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { after, before, test } from 'node:test'
import { BASE, adminSession, launch, openSignedIn, restOk, visitor } from './helpers.mjs'

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** The critical and serious axe violations inside selector, one line each. */
async function axe(page, selector, what) {
  await page.evaluate(AXE)
  const found = await page.evaluate(async (sel) => {
    const r = await window.axe.run(sel, { resultTypes: ['violations'] })
    return r.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious').map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`)
  }, selector)
  assert.deepEqual(found, [], `${what}: axe violations`)
}

/** A message the bot sends with token into a conversation; resolves the HTTP status. */
async function botSays(token, conversationId, body) {
  const res = await fetch(`${BASE}/api/v1/bot/conversations/${conversationId}/messages`, {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', Authorization: `Bot ${token}` },
    body: JSON.stringify({ client_msg_id: randomUUID(), body }),
  })
  await res.text()
  return res.status
}

let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

test('an admin creates a bot, puts it first in a queue, rotates its token and deletes it', async () => {
  const adminSess = await adminSession()
  const admin = adminSess.access_token
  const site = await restOk('POST', '/api/v1/sites', { name: `Bots ${randomUUID().slice(0, 6)}` }, admin, [201])
  const queue = site.queues[0]
  const name = `Robo ${randomUUID().slice(0, 6)}`

  const { context, page, explain } = await openSignedIn(browser, adminSess, `/admin/sites/${site.id}`)
  try {
    const section = page.getByTestId('site-bots')
    await section.waitFor()
    await axe(page, '[data-testid="site-bots"]', 'Bots without a bot')

    // Created: the secret and the token are shown once.
    await section.getByTestId('bot-name').fill(name)
    await section.getByTestId('bot-url').fill('https://bots.example.com/parley')
    const created = page.waitForResponse((r) => r.url().endsWith(`/api/v1/sites/${site.id}/bots`) && r.request().method() === 'POST')
    await section.getByTestId('bot-add').click()
    assert.equal((await created).status(), 201)
    await section.getByTestId('bot-credentials').waitFor()
    const secret = (await section.getByTestId('bot-secret').innerText()).trim()
    const token = (await section.getByTestId('bot-token').innerText()).trim()
    assert.ok(secret.length > 20 && token.length > 20, `secret ${secret}, token ${token}`)
    const row = section.getByTestId('bot').filter({ hasText: name })
    await row.waitFor()
    const listed = await restOk('GET', `/api/v1/sites/${site.id}/bots`, undefined, admin)
    const bot = listed.items.find((b) => b.name === name)
    assert.ok(bot, `the bot is listed: ${JSON.stringify(listed)}`)
    assert.equal(bot.webhook_url, 'https://bots.example.com/parley')
    assert.ok(!JSON.stringify(listed).includes(token) && !JSON.stringify(listed).includes(secret), 'the list shows neither the secret nor the token')
    await axe(page, '[data-testid="site-bots"]', 'Bots with the new credentials')

    // Bot first in the site's queue.
    const select = page.getByTestId('queue').first().getByTestId('queue-bot')
    await select.waitFor()
    const patched = page.waitForResponse((r) => r.url().endsWith(`/api/v1/queues/${queue.id}`) && r.request().method() === 'PATCH')
    await select.selectOption(String(bot.id))
    assert.equal((await patched).status(), 200)
    const after1 = await restOk('GET', `/api/v1/sites/${site.id}`, undefined, admin)
    assert.equal(after1.queues.find((q) => q.id === queue.id).bot_id, bot.id)
    await page.waitForFunction((id) => document.querySelector('[data-testid="queue-bot"]')?.value === String(id), bot.id)
    await axe(page, '[data-testid="site-queues"]', 'Queues with a bot first')

    // A visitor's conversation now opens with the bot, which may write in it.
    const s = await visitor('POST', '/api/v1/widget/session', { site_key: site.public_key, page_url: `${BASE}/demo` })
    const opened = await visitor('POST', '/api/v1/widget/conversations', {}, s.visitor_token)
    assert.equal(opened.conversation.status, 'bot')
    const conv = opened.conversation.id
    assert.equal(await botSays(token, conv, 'Hello, I am a bot'), 201)

    // Rotated: a new token shown once; the old one answers 401 at once.
    const rotated = page.waitForResponse((r) => r.url().endsWith(`/api/v1/bots/${bot.id}/token`) && r.request().method() === 'POST')
    await row.getByTestId('bot-rotate').click()
    assert.equal((await rotated).status(), 200)
    await page.waitForFunction(
      (old) => {
        const el = document.querySelector('[data-testid="bot-token"]')
        return !!el && el.textContent.trim() !== '' && el.textContent.trim() !== old
      },
      token,
    )
    assert.equal(await section.getByTestId('bot-secret').count(), 0, 'rotating shows no secret')
    const fresh = (await section.getByTestId('bot-token').innerText()).trim()
    assert.equal(await botSays(token, conv, 'with the old token'), 401)
    assert.equal(await botSays(fresh, conv, 'with the new token'), 201)

    // Deleted: gone from the list, off the queue, its token refused.
    await row.getByTestId('bot-delete').click()
    const deleted = page.waitForResponse((r) => r.url().endsWith(`/api/v1/bots/${bot.id}`) && r.request().method() === 'DELETE')
    await row.getByTestId('bot-delete-confirm').click()
    assert.equal((await deleted).status(), 204)
    await row.waitFor({ state: 'detached' })
    await section.getByTestId('bot-credentials').waitFor({ state: 'detached' })
    await page.getByTestId('queue-bot').waitFor({ state: 'detached' })
    const after2 = await restOk('GET', `/api/v1/sites/${site.id}`, undefined, admin)
    assert.equal(after2.queues.find((q) => q.id === queue.id).bot_id, null)
    assert.equal(await botSays(fresh, conv, 'after deletion'), 401)
    await axe(page, '[data-testid="site-bots"]', 'Bots after the deletion')
  } catch (err) {
    await explain(err)
  } finally {
    await context.close()
  }
})
