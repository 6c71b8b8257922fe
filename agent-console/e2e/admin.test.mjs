// Admin pages: the admin creates a site in the console, sees its embed
// snippet, edits settings and adds a canned response (see .ci/browser).
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { adminToken, createUser, launch, restOk, signInPage } from './helpers.mjs'

let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

test('an admin creates a site, sees its snippet, sets it up and adds a canned response', async () => {
  const admin = await adminToken()
  const agent = await createUser(admin, 'Quinn', 'agent')
  const { context, page, explain } = await signInPage(browser, { username: 'admin', password: 'correct horse battery' })
  try {
    await page.getByTestId('nav-admin').click()
    await page.waitForURL(/#\/admin/)
    const name = `Boutique ${randomUUID().slice(0, 6)}`
    await page.getByTestId('site-new-name').fill(name)
    await page.getByTestId('site-create').click()
    await page.getByTestId('site-detail').getByText(name).first().waitFor()
    const snippet = await page.getByTestId('site-snippet').innerText()
    assert.match(snippet, /<script[^>]+widget\.js[^>]+data-site="[^"]+"/)

    // Settings: greeting, an allowed origin, Monday hours, a pre-chat field.
    await page.getByTestId('site-greeting').fill('Hi! Ask us anything.')
    await page.getByTestId('site-origin-input').fill('https://boutique.example/')
    await page.getByTestId('site-origin-add').click()
    await page.getByTestId('site-origin').getByText('https://boutique.example').waitFor()
    await page.getByTestId('site-hours-mon').fill('9:00-17:30')
    await page.getByTestId('site-prechat-add').click()
    const field = page.getByTestId('site-prechat-field').first()
    await field.getByLabel('Field 1 name').fill('email')
    await field.getByLabel('Field 1 label').fill('E-mail')
    await page.getByTestId('site-save').click()
    await page.getByTestId('site-saved').waitFor()
    const id = Number(/#\/admin\/sites\/(\d+)/.exec(page.url())[1])
    const saved = await restOk('GET', `/api/v1/sites/${id}`, undefined, admin)
    assert.equal(saved.greeting, 'Hi! Ask us anything.')
    assert.deepEqual(saved.allowed_origins, ['https://boutique.example'])
    assert.deepEqual(saved.business_hours.mon, ['09:00-17:30'])
    assert.equal(saved.prechat_fields[0].name, 'email')

    // An agent joins the default queue through the username search.
    await page.getByTestId('queue-agent-search').first().fill(agent.username)
    await page.getByRole('button', { name: 'Find' }).first().click()
    await page.getByTestId('queue-agent-add').first().click()
    await page.getByTestId('queue-agent').filter({ hasText: agent.user.nickname || agent.username }).waitFor()

    // A canned response.
    await page.getByTestId('canned-shortcut').fill('/hello')
    await page.getByTestId('canned-body').fill('Hello, how can we help?')
    await page.getByTestId('canned-add').click()
    await page.getByTestId('canned-row').filter({ hasText: 'Hello, how can we help?' }).waitFor()
    const canned = await restOk('GET', `/api/v1/sites/${id}/canned-responses`, undefined, admin)
    assert.ok(canned.items.some((c) => c.shortcut === 'hello'))
  } catch (err) {
    await explain(err)
  } finally {
    await context.close()
  }
})
