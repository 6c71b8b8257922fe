// The admin's Users directory (search, role change, disable and enable, each
// confirmed) and the Action log that records it. Named to run after
// console.test.mjs, which needs a fresh server for the first-run setup.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { adminSession, createUser, launch, openSignedIn, rest, restOk } from './helpers.mjs'

let browser
let adminSess

before(async () => {
  adminSess = await adminSession()
  browser = await launch()
})

after(async () => {
  await browser?.close()
})

test('an admin finds a user, makes them an agent, disables and enables them, and reads it in the action log', async () => {
  const admin = adminSess.access_token
  const kim = await createUser(admin, 'Kim', 'user', { login: false })
  const kimSession = await restOk('POST', '/api/v1/auth/login', { login: kim.username, password: kim.password })
  const { context, page, explain } = await openSignedIn(browser, adminSess, '/admin/users')
  try {
    await page.getByTestId('users-search').fill(kim.username)
    await page.getByTestId('users-search-submit').click()
    const row = page.locator(`[data-testid="directory-user"][data-username="${kim.username}"]`)
    await row.waitFor()
    await page.getByTestId('directory-user').nth(1).waitFor({ state: 'detached' })

    await row.getByTestId('directory-role').selectOption('agent')
    await row.getByTestId('directory-role-save').click()
    await row.getByTestId('directory-role-save-confirm').click()
    await page.getByTestId('users-notice').getByText(`@${kim.username} is now agent.`).waitFor()
    const found = await restOk('GET', `/api/v1/admin/users?q=${kim.username}`, undefined, admin)
    assert.equal(found.items[0].role, 'agent')

    await row.getByTestId('directory-disable').click()
    await row.getByTestId('directory-disable-confirm').click()
    await row.getByTestId('directory-status').getByText('Disabled').waitFor()
    const refused = await rest('GET', '/api/v1/me', undefined, kimSession.access_token)
    assert.equal(refused.status, 401)
    assert.equal(refused.body.error.code, 'account_disabled')

    await row.getByTestId('directory-enable').click()
    await row.getByTestId('directory-status').getByText('Active').waitFor()

    await page.getByTestId('admin-tab-audit').click()
    await page.waitForURL(/#\/admin\/audit/)
    for (const action of ['user.enable', 'user.disable', 'user.role', 'user.create']) {
      await page.locator(`[data-testid="audit-entry"][data-action="${action}"]`).filter({ hasText: `user ${kim.user.id}` }).first().waitFor()
    }
    await page.getByTestId('audit-action').selectOption('user.role')
    await page.locator('[data-testid="audit-entry"][data-action="user.create"]').first().waitFor({ state: 'detached' })
    await page.getByTestId('audit-entry').filter({ hasText: 'user → agent' }).first().waitFor()
  } catch (err) {
    await explain(err)
  } finally {
    await context.close()
  }
})
