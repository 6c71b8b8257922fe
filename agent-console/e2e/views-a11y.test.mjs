// Accessibility: axe-core (from node_modules) runs in Chromium on every page
// of the console and in the widget's frame; no critical or serious
// violation is allowed. Each console view also has its landmarks (one
// main; the navigation when signed in) and exactly one h1 (see
// .ci/browser). The file's name sorts after console.test.mjs, whose first
// test creates the administrator of a fresh server: run on its own against a
// fresh server, this file checks the first-run page too.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { after, before, test } from 'node:test'
import { BASE, adminSession, befriend, createUser, launch, openSignedIn, restOk, visitor, watch } from './helpers.mjs'

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

/**
 * Runs axe in a page or frame (evaluated through the browser's debugging
 * protocol, which the pages' script policy does not restrict) and returns
 * the critical and serious violations, one line each.
 */
async function axe(target) {
  await target.evaluate(AXE)
  const violations = await target.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] })
    return r.violations
      .filter((v) => v.impact === 'critical' || v.impact === 'serious')
      .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ') + ' ' + (n.failureSummary || '').replace(/\s+/g, ' ')).join(' | ')}`)
  })
  return violations
}

/** Landmarks and headings of a console view. */
async function structure(page) {
  return page.evaluate(() => ({
    h1: [...document.querySelectorAll('h1')].filter((h) => h.getClientRects().length > 0).map((h) => h.textContent.trim()),
    main: document.querySelectorAll('main, [role="main"]').length,
    nav: document.querySelectorAll('nav, [role="navigation"]').length,
  }))
}

async function settle(page) {
  await page.locator('main').first().waitFor()
  await page.waitForLoadState('networkidle')
}

/** What is wrong with a console view, one line each (none: []). */
async function checkView(page, name, { signedIn = true } = {}) {
  await settle(page)
  const s = await structure(page)
  const problems = []
  if (s.h1.length !== 1) problems.push(`${name}: one visible h1 wanted, found ${JSON.stringify(s.h1)}`)
  if (s.main !== 1) problems.push(`${name}: one main landmark wanted, found ${s.main}`)
  if (signedIn && s.nav < 1) problems.push(`${name}: no navigation landmark`)
  for (const v of await axe(page)) problems.push(`${name}: ${v}`)
  return problems
}

async function fullSession(u) {
  return restOk('POST', '/api/v1/auth/login', { login: u.username, password: u.password })
}

test('the signed-out pages have no critical or serious axe violation', async () => {
  const context = await browser.newContext()
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  const explain = watch(page)
  const problems = []
  try {
    // The first-run page, while this server has no administrator yet.
    if ((await restOk('GET', '/api/v1/setup')).needed) {
      await page.goto(`${BASE}/console/#/setup`)
      if (await page.waitForURL(/#\/setup/, { timeout: 5000 }).then(() => true, () => false)) {
        problems.push(...(await checkView(page, 'setup', { signedIn: false })))
      }
    }
    await adminSession()
    for (const [name, hash] of [
      ['sign-in', '/login'],
      ['register', '/register'],
      ['forgot password', '/forgot-password'],
    ]) {
      await page.goto(`${BASE}/console/#${hash}`)
      await page.waitForURL(new RegExp(`#${hash}`))
      problems.push(...(await checkView(page, name, { signedIn: false })))
    }
    assert.deepEqual(problems, [])
  } catch (err) {
    await explain(err)
  } finally {
    await context.close()
  }
})

test('every signed-in console page has no critical or serious axe violation', async () => {
  const adminSess = await adminSession()
  const admin = adminSess.access_token
  const amy = await createUser(admin, 'Amy')
  const bo = await createUser(admin, 'Bo')
  await befriend(amy.token, bo.token, bo)
  const direct = await restOk('POST', '/api/v1/conversations/direct', { user_id: bo.user.id }, amy.token)
  await restOk('POST', `/api/v1/conversations/${direct.id}/messages`, { client_msg_id: randomUUID(), kind: 'text', body: 'Hello Bo' }, amy.token, [200, 201])
  const group = await restOk('POST', '/api/v1/groups', { name: 'Readers', join_policy: 'open' }, amy.token, [201])

  // A visitor's conversation for an online agent of a new site.
  const site = await restOk('POST', '/api/v1/sites', { name: `Shop ${randomUUID().slice(0, 6)}` }, admin, [201])
  const queue = site.queues.find((q) => q.is_default) ?? site.queues[0]
  const agent = await createUser(admin, 'Alma', 'agent')
  await restOk('PUT', `/api/v1/queues/${queue.id}/agents/${agent.user.id}`, { capacity: 2 }, admin, [200, 204])
  await restOk('PUT', '/api/v1/agent/status', { status: 'online' }, agent.token)
  const vs = await visitor('POST', '/api/v1/widget/session', { site_key: site.public_key, page_url: `${BASE}/demo`, locale: 'en-GB' })
  const opened = await visitor('POST', '/api/v1/widget/conversations', {}, vs.visitor_token)
  await visitor('POST', `/api/v1/widget/conversations/${opened.conversation.id}/messages`, { client_msg_id: randomUUID(), body: 'Where is my order?' }, vs.visitor_token)

  const pages = [
    [await fullSession(amy), [
      ['chats', '/chats'],
      ['a chat', `/chats/${direct.id}`],
      ['friends', '/friends'],
      ['friend requests', '/friends/requests'],
      ['groups', '/groups'],
      ['a group', `/groups/${group.id}`],
      ['wallet', '/wallet'],
      ['profile', '/profile'],
    ]],
    [await fullSession(agent), [
      ['inbox', '/inbox'],
      ['inbox with a conversation open', `/inbox/${opened.conversation.id}`],
      ['reports', '/reports'],
      ['contacts', `/contacts/${site.id}`],
      ['a contact', `/contacts/${site.id}/${vs.visitor.id}`],
    ]],
    [adminSess, [
      ['admin: sites', '/admin/sites'],
      ['admin: site settings', `/admin/sites/${site.id}`],
      ['admin: users', '/admin/users'],
      ['admin: teams', '/admin/teams'],
      ['admin: wallets', '/admin/wallets'],
      ['admin: action log', '/admin/audit'],
    ]],
  ]
  const problems = []
  for (const [sess, list] of pages) {
    const { context, page, explain } = await openSignedIn(browser, sess, list[0][1])
    try {
      for (const [name, hash] of list) {
        await page.goto(`${BASE}/console/#${hash}`)
        await page.waitForURL((u) => u.hash === `#${hash}`)
        if (name === 'a chat' || name === 'inbox with a conversation open') {
          await page.getByTestId('message-body').first().waitFor()
        }
        if (name === 'a contact') await page.getByTestId('attribute-editor').waitFor()
        if (name === 'admin: teams') await page.getByTestId('teams-admin').waitFor()
        problems.push(...(await checkView(page, name)))
      }
    } catch (err) {
      await explain(err)
    } finally {
      await context.close()
    }
  }
  assert.deepEqual(problems, [])
})

test('the widget, closed, open and in a conversation, has no critical or serious axe violation', async () => {
  const { access_token: admin } = await adminSession()
  const site = await restOk('POST', '/api/v1/sites', { name: `Shop ${randomUUID().slice(0, 6)}` }, admin, [201])
  await restOk('PATCH', `/api/v1/sites/${site.id}`, { greeting: 'Hello! Ask us anything.' }, admin)
  const context = await browser.newContext()
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  const explain = watch(page)
  try {
    await page.goto(`${BASE}/demo?site=${encodeURIComponent(site.public_key)}`)
    const launcher = page.getByTestId('parley-launcher')
    await launcher.waitFor()
    const problems = (await axe(page)).map((v) => `host page, launcher closed: ${v}`)

    await launcher.click()
    const frameEl = page.locator('iframe[data-testid="parley-frame"]')
    await frameEl.waitFor()
    const frame = await (await frameEl.elementHandle()).contentFrame()
    await frame.getByTestId('parley-input').waitFor()
    problems.push(...(await axe(page)).map((v) => `host page, widget open: ${v}`))
    problems.push(...(await axe(frame)).map((v) => `widget frame, open: ${v}`))

    await frame.getByTestId('parley-input').fill('Do you ship abroad?')
    await frame.getByTestId('parley-send').click()
    await frame.locator('[data-testid="parley-message"]:not([data-pending])').first().waitFor()
    problems.push(...(await axe(frame)).map((v) => `widget frame, in a conversation: ${v}`))
    assert.deepEqual(problems, [])
  } catch (err) {
    await explain(err)
  } finally {
    await context.close()
  }
})
