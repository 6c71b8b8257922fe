// Wallet and red packets: the admin credits a user, who sends a red packet
// to a friend in a direct chat from the console; the friend opens it and sees
// the amount; both wallets show it (see .ci/browser).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { BASE, adminToken, befriend, createUser, launch, restOk, signInPage } from './helpers.mjs'

let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

test('a red packet sent in a direct chat is grabbed by the friend', async () => {
  const admin = await adminToken()
  const ana = await createUser(admin, 'Ana')
  const ben = await createUser(admin, 'Ben')
  await befriend(ana.token, ben.token, ben)
  await restOk('POST', `/api/v1/admin/wallets/${ana.user.id}/credit`, { amount_cents: 2000, note: 'welcome' }, admin, [200, 201])
  const conv = await restOk('POST', '/api/v1/conversations/direct', { user_id: ben.user.id }, ana.token, [200, 201])
  const conversationId = conv.id ?? conv.conversation?.id

  const a = await signInPage(browser, ana)
  const b = await signInPage(browser, ben)
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
    assert.equal(w.balance_cents, 520)
    await b.page.getByTestId('nav-wallet').click()
    await b.page.getByTestId('wallet-balance').getByText('5.20').waitFor()
  } catch (err) {
    await a.explain(err).catch((e) => b.explain(e))
  } finally {
    await a.context.close()
    await b.context.close()
  }
})
