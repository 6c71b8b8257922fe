// Replies in the console: a user answers a friend's message (by mouse in a
// direct chat, by keyboard in a group) and both see the quote.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { adminToken, befriend, createUser, launch, openSignedIn, restOk } from './helpers.mjs'

let browser
let ray
let sue

async function session(u) {
  return restOk('POST', '/api/v1/auth/login', { login: u.username, password: u.password })
}

before(async () => {
  const admin = await adminToken()
  ray = await createUser(admin, 'Ray', 'user', { login: false })
  sue = await createUser(admin, 'Sue', 'user', { login: false })
  ray.session = await session(ray)
  sue.session = await session(sue)
  ray.token = ray.session.access_token
  sue.token = sue.session.access_token
  await befriend(ray.token, sue.token, sue)
  browser = await launch()
})

after(async () => {
  await browser?.close()
})

function message(page, text) {
  return page.getByTestId('message').filter({ has: page.getByTestId('message-body').getByText(text, { exact: true }) })
}

test('a user replies to a friend in a direct chat and both see the quote', async () => {
  const conv = await restOk('POST', '/api/v1/conversations/direct', { user_id: sue.user.id }, ray.token)
  const original = await restOk('POST', `/api/v1/conversations/${conv.id}/messages`, { client_msg_id: 'r1', body: 'Shall we meet at noon?' }, sue.token)
  for (let i = 0; i < 3; i++) {
    await restOk('POST', `/api/v1/conversations/${conv.id}/messages`, { client_msg_id: `r-filler-${i}`, body: `filler ${i}` }, sue.token)
  }
  const r = await openSignedIn(browser, ray.session, `/chats/${conv.id}`)
  const s = await openSignedIn(browser, sue.session, `/chats/${conv.id}`)
  try {
    const asked = message(r.page, 'Shall we meet at noon?')
    await asked.hover()
    await asked.getByTestId('message-reply').click()
    const quoted = r.page.getByTestId('composer-reply')
    await quoted.getByText('Shall we meet at noon?').waitFor()

    // Cancelling drops the quote; replying again brings it back.
    await r.page.getByTestId('composer-reply-cancel').click()
    await quoted.waitFor({ state: 'detached' })
    await asked.hover()
    await asked.getByTestId('message-reply').click()
    await r.page.getByTestId('composer-input').fill('Noon works for me')
    await r.page.getByTestId('composer-send').click()
    await quoted.waitFor({ state: 'detached' })

    for (const page of [r.page, s.page]) {
      const reply = message(page, 'Noon works for me')
      await reply.getByTestId('message-quote').getByText('Shall we meet at noon?').waitFor()
    }
    const history = await restOk('GET', `/api/v1/conversations/${conv.id}/messages?limit=50`, undefined, sue.token)
    const stored = history.items.find((m) => m.body === 'Noon works for me')
    assert.equal(stored.reply_to_seq, original.message?.seq ?? original.seq)

    // Clicking the quote brings the original into view, highlighted.
    await message(s.page, 'Noon works for me').getByTestId('message-quote').click()
    await s.page.locator('[data-testid="message"].msg--highlight').getByText('Shall we meet at noon?').waitFor()
  } catch (err) {
    await r.explain(err)
  } finally {
    await r.context.close()
    await s.context.close()
  }
})

test('in a group, the Reply action works from the keyboard', async () => {
  const group = await restOk('POST', '/api/v1/groups', { name: 'Lunch club', join_policy: 'open' }, sue.token, [201])
  await restOk('POST', '/api/v1/groups/join', { number: group.number }, ray.token, [200, 201])
  await restOk('POST', `/api/v1/conversations/${group.conversation_id}/messages`, { client_msg_id: 'g1', body: 'Pizza or sushi?' }, sue.token)
  const r = await openSignedIn(browser, ray.session, `/chats/${group.conversation_id}`)
  try {
    const asked = message(r.page, 'Pizza or sushi?')
    await asked.waitFor()
    await asked.getByTestId('message-reply').focus()
    await r.page.keyboard.press('Enter')
    await r.page.getByTestId('composer-reply').getByText('Pizza or sushi?').waitFor()
    await r.page.keyboard.type('Sushi, please')
    await r.page.keyboard.press('Enter')
    await message(r.page, 'Sushi, please').getByTestId('message-quote').getByText('Pizza or sushi?').waitFor()
    // Drawn at once while it waits for its ack; stored once it is acked.
    await r.page.locator('[data-testid="message"][data-state="sent"]', { hasText: 'Sushi, please' }).waitFor()
    const history = await restOk('GET', `/api/v1/conversations/${group.conversation_id}/messages?limit=50`, undefined, sue.token)
    const asking = history.items.find((m) => m.body === 'Pizza or sushi?')
    assert.equal(history.items.find((m) => m.body === 'Sushi, please').reply_to_seq, asking.seq)
  } catch (err) {
    await r.explain(err)
  } finally {
    await r.context.close()
  }
})
