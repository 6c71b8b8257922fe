// The console's admin, reports, wallet and account pages. One file and one
// admin sign-in: sign-ins are rate limited per IP and the whole browser suite
// shares that budget (see .ci/browser).
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { BASE, adminSession, befriend, createUser, launch, openSignedIn, restOk, signInPage, visitor } from './helpers.mjs'

let browser
let adminSess
before(async () => {
  browser = await launch()
  adminSess = await adminSession()
})
after(async () => {
  await browser?.close()
})


test('the reports page draws charts from a seeded conversation', async () => {
  const admin = adminSess.access_token
  const siteName = `Reports ${randomUUID().slice(0, 6)}`
  const site = await restOk('POST', '/api/v1/sites', { name: siteName }, admin, [201])
  const queue = site.queues?.find((q) => q.is_default) ?? site.queues?.[0]
  // The admin serves the site's queue (admins may take chats).
  const agent = { user: adminSess.user, username: adminSess.user.username, token: admin }
  await restOk('PUT', `/api/v1/queues/${queue.id}/agents/${agent.user.id}`, { capacity: 3 }, admin, [200, 204])
  await restOk('PUT', '/api/v1/agent/status', { status: 'online' }, agent.token, [200, 204])

  const s = await visitor('POST', '/api/v1/widget/session', { site_key: site.public_key, page_url: `${BASE}/demo`, referrer: '', locale: 'en' })
  const opened = await visitor('POST', '/api/v1/widget/conversations', {}, s.visitor_token)
  const id = opened.conversation.id
  await visitor('POST', `/api/v1/widget/conversations/${id}/messages`, { client_msg_id: randomUUID(), body: 'Hello, anyone there?' }, s.visitor_token)
  if (opened.conversation.status !== 'assigned') {
    await restOk('POST', `/api/v1/support/conversations/${id}/claim`, {}, agent.token, [200, 201, 204])
  }
  await restOk('POST', `/api/v1/conversations/${id}/messages`, { client_msg_id: randomUUID(), kind: 'text', body: 'Yes, how can I help?' }, agent.token, [200, 201])
  await restOk('POST', `/api/v1/support/conversations/${id}/resolve`, {}, agent.token, [200, 201, 204])
  await visitor('POST', `/api/v1/widget/conversations/${id}/rating`, { score: 5 }, s.visitor_token)

  const { context, page, explain } = await openSignedIn(browser, adminSess)
  try {
    await page.getByTestId('nav-reports').click()
    await page.waitForURL(/#\/reports/)
    await page.getByTestId('report-site').selectOption({ label: siteName })
    await page.getByTestId('report-total').getByText('1', { exact: true }).waitFor()
    const charts = page.getByTestId('report-chart')
    await charts.first().waitFor()
    assert.ok((await charts.count()) >= 4, 'at least four charts')
    assert.ok((await page.locator('[data-testid="report-chart"] rect.chart__bar').count()) >= 1, 'the day bar is drawn')
    assert.ok((await page.locator('[data-testid="report-chart"] path.chart__line').count()) >= 1, 'lines are drawn')
    await page.getByTestId('report-agent-row').first().waitFor()

    // The CSV export downloads a file with the day's figures.
    const download = page.waitForEvent('download')
    await page.getByTestId('report-csv-days').click()
    const file = await download
    assert.match(file.suggestedFilename(), /\.csv$/)

    // An empty range says so.
    await page.getByTestId('report-from').fill('2020-01-01')
    await page.getByTestId('report-to').fill('2020-01-05')
    await page.getByTestId('report-empty').getByText('No conversations in this range').waitFor()
  } catch (err) {
    await explain(err)
  } finally {
    await context.close()
  }
})

test('an admin creates a site, sees its snippet, sets it up and adds a canned response', async () => {
  const admin = adminSess.access_token
  const agent = await createUser(admin, 'Quinn', 'agent', { login: false })
  const { context, page, explain } = await openSignedIn(browser, adminSess)
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

test('wallet: a red packet sent in a direct chat is grabbed by the friend', async () => {
  const admin = adminSess.access_token
  const ana = await createUser(admin, 'Ana', 'user', { login: false })
  const anaSess = await restOk('POST', '/api/v1/auth/login', { login: ana.username, password: ana.password })
  ana.token = anaSess.access_token
  // The friend is the admin: one sign-in fewer.
  const ben = { user: adminSess.user, username: adminSess.user.username, token: admin }
  await befriend(ana.token, ben.token, ben)
  const before = (await restOk('GET', '/api/v1/wallet', undefined, ben.token)).balance_cents
  await restOk('POST', `/api/v1/admin/wallets/${ana.user.id}/credit`, { amount_cents: 2000, note: 'welcome' }, admin, [200, 201])
  const conv = await restOk('POST', '/api/v1/conversations/direct', { user_id: ben.user.id }, ana.token, [200, 201])
  const conversationId = conv.id ?? conv.conversation?.id

  const a = await openSignedIn(browser, anaSess)
  const b = await openSignedIn(browser, adminSess)
  try {
    // Ana's wallet shows the credit.
    await a.page.getByTestId('nav-wallet').click()
    await a.page.getByTestId('wallet-balance').getByText('20.00').waitFor()
    await a.page.getByTestId('wallet-entry').filter({ hasText: 'welcome' }).waitFor()

    // Ana sends 5.20 from the chat.
    await a.page.goto(`${BASE}/console/#/chats/${conversationId}`)
    await a.page.getByTestId('red-packet-open').click()
    await a.page.getByTestId('red-packet-balance').getByText('20.00').waitFor()
    await a.page.getByTestId('red-packet-amount-input').fill('1.234')
    await a.page.getByTestId('red-packet-send').click()
    await a.page.getByTestId('red-packet-dialog').getByText('two decimals').waitFor()
    await a.page.getByTestId('red-packet-amount-input').fill('5.20')
    await a.page.getByTestId('red-packet-greeting').fill('For your birthday')
    await a.page.getByTestId('red-packet-send').click()
    await a.page.getByTestId('red-packet-dialog').waitFor({ state: 'detached' })
    const mine = a.page.getByTestId('red-packet').filter({ hasText: 'For your birthday' })
    await mine.waitFor()
    assert.equal(await mine.getAttribute('data-look'), 'sent')

    // Ben opens it.
    await b.page.goto(`${BASE}/console/#/chats/${conversationId}`)
    const env = b.page.getByTestId('red-packet').filter({ hasText: 'For your birthday' })
    await env.getByTestId('red-packet-grab').click()
    await env.getByTestId('red-packet-amount').getByText('You got 5.20').waitFor()
    await env.getByTestId('red-packet-details-toggle').click()
    await env.getByTestId('red-packet-claim').filter({ hasText: '5.20' }).waitFor()

    // Ana's envelope updates live from the red_packet frame.
    await mine.getByTestId('red-packet-status').getByText('All 1 taken').waitFor()
    const w = await restOk('GET', '/api/v1/wallet', undefined, ben.token)
    assert.equal(w.balance_cents, before + 520)
    await b.page.getByTestId('nav-wallet').click()
    await b.page.getByTestId('wallet-entry').filter({ hasText: '+5.20' }).first().waitFor()
  } catch (err) {
    await a.explain(err).catch((e) => b.explain(e))
  } finally {
    await a.context.close()
    await b.context.close()
  }
})

test('forgotten password, profile edit and password change', async () => {
  const admin = adminSess.access_token
  const u = await createUser(admin, 'Pia', 'user', { login: false })
  const { context, page, explain } = await signInPage(browser, u)
  try {
    await page.getByTestId('nav-profile').click()
    await page.getByTestId('profile-nickname').fill('Pia P.')
    await page.getByTestId('profile-save').click()
    await page.getByTestId('profile-saved').getByText('Saved.').waitFor()
    const found = await restOk('GET', `/api/v1/users/search?q=${u.username}`, undefined, admin)
    assert.equal(found.items.find((x) => x.id === u.user.id)?.nickname, 'Pia P.')

    await page.getByTestId('password-current').fill(u.password)
    await page.getByTestId('password-new').fill('a brand new password')
    await page.getByTestId('password-again').fill('a brand new password')
    await page.getByTestId('password-submit').click()
    await page.getByTestId('password-changed').waitFor()
    // This tab keeps working with the new session.
    await page.getByTestId('nav-chats').click()
    await page.waitForURL(/#\/chats/)

    // Sign out everywhere lands on the login page.
    await page.getByTestId('nav-profile').click()
    await page.getByTestId('logout-all').click()
    await page.getByTestId('logout-all-confirm').click()
    await page.waitForURL(/#\/login/)

    // The forgotten-password form answers the same for any address.
    await page.getByTestId('forgot-link').click()
    await page.getByTestId('forgot-email').fill(`${u.username}@example.com`)
    await page.getByTestId('forgot-submit').click()
    await page.getByTestId('forgot-sent').waitFor()

    // A stale link says so.
    await page.goto(`${BASE}/console/#/reset-password?token=not-a-real-token`)
    await page.getByTestId('reset-password').fill('another password 1')
    await page.getByTestId('reset-password-again').fill('another password 1')
    await page.getByTestId('reset-submit').click()
    await page.getByTestId('reset-error').waitFor()
  } catch (err) {
    await explain(err)
  } finally {
    await context.close()
  }
})
