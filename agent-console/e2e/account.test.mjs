// Account pages: forgotten password request, reset landing without a valid
// token, nickname edit and password change (see .ci/browser).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { BASE, adminToken, createUser, launch, rest, signInPage } from './helpers.mjs'

let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

test('forgotten password, profile edit and password change', async () => {
  const admin = await adminToken()
  const u = await createUser(admin, 'Pia')
  const { context, page, explain } = await signInPage(browser, u)
  try {
    await page.getByTestId('nav-profile').click()
    await page.getByTestId('profile-nickname').fill('Pia P.')
    await page.getByTestId('profile-save').click()
    await page.getByTestId('profile-saved').getByText('Saved.').waitFor()
    const me = await rest('GET', '/api/v1/me', undefined, u.token)
    assert.equal(me.body.nickname, 'Pia P.')

    await page.getByTestId('password-current').fill(u.password)
    await page.getByTestId('password-new').fill('a brand new password')
    await page.getByTestId('password-again').fill('a brand new password')
    await page.getByTestId('password-submit').click()
    await page.getByTestId('password-changed').waitFor()
    // This tab keeps working with the new session.
    await page.getByTestId('nav-chats').click()
    await page.waitForURL(/#\/chats/)
    assert.equal((await rest('POST', '/api/v1/auth/login', { login: u.username, password: 'a brand new password' })).status, 200)

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
