// Message search in the console: Ctrl+K focuses the box, a Chinese word is
// found with its match marked, and a hit opens its conversation with the
// old message loaded and marked.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { adminToken, befriend, createUser, launch, openSignedIn, restOk } from './helpers.mjs'

let browser
let mei
let kai

before(async () => {
  const admin = await adminToken()
  mei = await createUser(admin, 'Mei', 'user', { login: false })
  kai = await createUser(admin, 'Kai', 'user', { login: false })
  for (const u of [mei, kai]) {
    u.session = await restOk('POST', '/api/v1/auth/login', { login: u.username, password: u.password })
    u.token = u.session.access_token
  }
  await befriend(mei.token, kai.token, kai)
  browser = await launch()
})

after(async () => {
  await browser?.close()
})

test('a search hit opens its conversation at the message, marked', async () => {
  const conv = await restOk('POST', '/api/v1/conversations/direct', { user_id: kai.user.id }, mei.token)
  const old = await restOk('POST', `/api/v1/conversations/${conv.id}/messages`, { client_msg_id: 's-old', body: '你好世界，明天见' }, kai.token)
  // Enough newer messages that the old one is not in the first page.
  for (let i = 0; i < 60; i++) {
    await restOk('POST', `/api/v1/conversations/${conv.id}/messages`, { client_msg_id: `s-${i}`, body: `newer message ${i}` }, kai.token)
  }
  const m = await openSignedIn(browser, mei.session, '/chats')
  try {
    await m.page.getByTestId('chat-item').first().waitFor()
    await m.page.keyboard.press('Control+k')
    const box = m.page.getByTestId('message-search-input')
    assert.equal(await box.evaluate((el) => el === document.activeElement), true)
    await box.fill('世界')
    const hit = m.page.getByTestId('message-search-hit')
    await hit.locator('mark', { hasText: '世界' }).waitFor()
    assert.equal(await hit.count(), 1)
    await hit.click()
    const found = m.page.locator(`[data-testid="message"][data-found="true"][data-seq="${old.seq}"]`)
    await found.getByText('你好世界，明天见').waitFor()
  } catch (err) {
    await m.explain(err)
  } finally {
    await m.context.close()
  }
})
