// The console in Simplified Chinese and on a 360 px phone, in a real browser
// (see .ci/browser, which starts the server and sets PARLEY_URL).
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { adminToken, BASE, befriend, createUser, launch, restOk, watch } from './helpers.mjs'

let browser
let mei
let li
let conversationId

before(async () => {
  browser = await launch()
  const admin = await adminToken()
  mei = await createUser(admin, 'Mei')
  li = await createUser(admin, 'Li')
  await befriend(li.token, mei.token, mei.user)
  const c = await restOk('POST', '/api/v1/conversations/direct', { user_id: mei.user.id }, li.token)
  conversationId = c.id
  await restOk(
    'POST',
    `/api/v1/conversations/${conversationId}/messages`,
    { client_msg_id: randomUUID(), kind: 'text', body: 'Hi Mei' },
    li.token,
  )
})

after(async () => {
  await browser?.close()
})

async function signIn(page, u) {
  await page.getByTestId('login-username').fill(u.username)
  await page.getByTestId('login-password').fill(u.password)
  await page.getByTestId('login-submit').click()
  await page.waitForURL(/#\/chats/)
}

const lang = (page) => page.evaluate(() => document.documentElement.lang)

/** Visible fields and buttons without an accessible name (label, aria-label, text). */
const unnamed = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea, button, a[href]')]
      .filter((el) => el.getClientRects().length > 0 && el.type !== 'hidden' && !el.closest('[aria-hidden="true"]'))
      .filter((el) => {
        if (el.getAttribute('aria-label')?.trim() || el.getAttribute('aria-labelledby') || el.title?.trim()) return false
        if (el.labels && el.labels.length > 0) return false
        if ((el.tagName === 'BUTTON' || el.tagName === 'A') && el.textContent.trim()) return false
        return true
      })
      .map((el) => el.outerHTML.slice(0, 120)),
  )

test('a Chinese browser gets the console in Chinese; English can be chosen and stays after a reload', async () => {
  const context = await browser.newContext({ locale: 'zh-CN' })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  const explain = watch(page)
  try {
    await page.goto(`${BASE}/console/#/login`)
    await page.getByTestId('login-submit').getByText('登录', { exact: true }).waitFor()
    assert.equal(await lang(page), 'zh-CN')
    await signIn(page, mei)

    await page.getByTestId('nav-chats').getByText('消息', { exact: true }).waitFor()
    await page.getByTestId('nav-friends').getByText('好友', { exact: true }).waitFor()
    await page.getByTestId('logout').getByText('退出登录').waitFor()
    await page.locator(`[data-testid="chat-item"][data-conversation-id="${conversationId}"]`).click()
    await page.getByTestId('composer-input').waitFor()
    assert.equal(await page.getByTestId('composer-input').getAttribute('placeholder'), '输入消息…')
    assert.equal((await page.getByTestId('composer-send').innerText()).trim(), '发送')

    await page.getByTestId('nav-profile').click()
    await page.getByTestId('profile-page').waitFor()
    await page.getByTestId('language-switch').selectOption('en')
    await page.getByTestId('nav-chats').getByText('Chats', { exact: true }).waitFor()
    assert.equal(await lang(page), 'en')

    await page.reload()
    await page.getByTestId('profile-page').waitFor()
    await page.getByTestId('nav-chats').getByText('Chats', { exact: true }).waitFor()
    await page.getByTestId('password-submit').getByText('Change password').waitFor()
    assert.equal(await lang(page), 'en')
    assert.equal(await page.getByTestId('language-switch').inputValue(), 'en')
  } catch (err) {
    await explain(err)
  } finally {
    await context.close()
  }
})

test('an English browser does not fetch the Chinese messages until Chinese is chosen', async () => {
  const context = await browser.newContext({ locale: 'en-US', serviceWorkers: 'block' })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  const explain = watch(page)
  const scripts = []
  page.on('request', (req) => {
    if (req.resourceType() === 'script') scripts.push(new URL(req.url()).pathname)
  })
  try {
    await page.goto(`${BASE}/console/#/login`)
    await page.getByTestId('login-submit').getByText('Sign in', { exact: true }).waitFor()
    await page.waitForLoadState('networkidle')
    assert.deepEqual(scripts.filter((p) => /zh-CN/.test(p)), [])

    await page.getByTestId('language-switch').selectOption('zh-CN')
    await page.getByTestId('login-submit').getByText('登录', { exact: true }).waitFor()
    assert.equal(await lang(page), 'zh-CN')
    assert.equal(scripts.filter((p) => /zh-CN/.test(p)).length, 1)
  } catch (err) {
    await explain(err)
  } finally {
    await context.close()
  }
})

test('on a 360×740 phone every step fits the width: sign in, the list, a chat, sending, back', async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'en-US', hasTouch: true })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  const explain = watch(page)
  const fits = async (where) => {
    const width = await page.evaluate(() => document.documentElement.scrollWidth)
    assert.ok(width <= 360, `${where}: the page is ${width} px wide, wider than the 360 px screen`)
    assert.deepEqual(await unnamed(page), [], `${where}: every field and button has a name`)
  }
  try {
    await page.goto(`${BASE}/console/#/login`)
    await page.getByTestId('login-username').waitFor()
    await fits('sign-in page')
    await signIn(page, mei)

    // The list alone, with the sections in a bar along the bottom.
    const item = page.locator(`[data-testid="chat-item"][data-conversation-id="${conversationId}"]`)
    await item.waitFor()
    await fits('conversation list')
    const nav = await page.getByTestId('nav-chats').boundingBox()
    assert.ok(nav && nav.y > 740 / 2, `the section bar is at the bottom (y = ${nav?.y})`)
    assert.ok(nav.height >= 40, `a section is ${nav.height} px high, less than 40`)
    assert.equal(await page.getByTestId('chat-pane').count(), 0, 'no chat pane beside the list')

    // The chat alone, with a way back.
    await item.click()
    await page.waitForURL(new RegExp(`#/chats/${conversationId}$`))
    await page.getByTestId('composer-input').waitFor()
    assert.equal(await page.getByTestId('new-chat-input').isVisible(), false, 'the list is hidden while a chat is open')
    await fits('open chat')
    const send = await page.getByTestId('composer-send').boundingBox()
    assert.ok(send && send.height >= 40 && send.x + send.width <= 360, `the send button is on screen and tappable: ${JSON.stringify(send)}`)

    await page.getByTestId('composer-input').fill('Sent from a phone')
    await page.getByTestId('composer-send').click()
    await page.locator('[data-testid="message"][data-state="sent"]').filter({ hasText: 'Sent from a phone' }).waitFor()
    await fits('chat after sending')

    const back = page.getByRole('link', { name: 'Back' })
    const box = await back.boundingBox()
    assert.ok(box && box.width >= 40 && box.height >= 40, `the back button is ${JSON.stringify(box)}, smaller than 40 px`)
    await back.click()
    await page.waitForURL(/#\/chats$/)
    await item.waitFor()
    await fits('list after going back')

    for (const [nav, testid] of [
      ['nav-friends', 'friends-tab-list'],
      ['nav-groups', 'group-join-number'],
      ['nav-wallet', 'wallet-page'],
      ['nav-profile', 'profile-page'],
    ]) {
      await page.getByTestId(nav).click()
      await page.getByTestId(testid).waitFor()
      await fits(nav.replace('nav-', '') + ' page')
    }
  } catch (err) {
    await explain(err)
  } finally {
    await context.close()
  }
})

test('a group join arrives as an event and reads in Chinese and in English', async () => {
  const g = await restOk('POST', '/api/v1/groups', { name: 'Tea club', join_policy: 'open' }, mei.token, [201])
  await restOk('POST', '/api/v1/groups/join', { number: g.number }, li.token)
  const context = await browser.newContext({ locale: 'zh-CN' })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  const explain = watch(page)
  try {
    await page.goto(`${BASE}/console/#/login`)
    await signIn(page, mei)
    await page.goto(`${BASE}/console/#/chats/${g.conversation_id}`)
    const lines = page.getByTestId('system-message')
    await lines.filter({ hasText: `${li.username} 加入了群组` }).waitFor()
    await lines.filter({ hasText: `${mei.username} 创建了群组“Tea club”` }).waitFor()
    // The same stored event, worded again when the reader switches to English.
    await page.evaluate(() => localStorage.setItem('parley.locale', 'en'))
    await page.reload()
    await lines.filter({ hasText: `${li.username} joined the group` }).waitFor()
  } catch (err) {
    throw explain(err)
  } finally {
    await context.close()
  }
})
