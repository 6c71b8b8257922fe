// The site settings page's live preview of the widget follows the unsaved
// form (colour, name, greeting, font, position), and saving stores them.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { adminSession, launch, openSignedIn, restOk } from './helpers.mjs'

let browser
let adminSess
before(async () => {
  browser = await launch()
  adminSess = await adminSession()
})
after(async () => {
  await browser?.close()
})

test('the widget preview follows the unsaved settings and the saved ones reach the widget API', async () => {
  const admin = adminSess.access_token
  const site = await restOk('POST', '/api/v1/sites', { name: `Preview ${randomUUID().slice(0, 6)}` }, admin, [201])
  const { context, page, explain } = await openSignedIn(browser, adminSess, `/admin/sites/${site.id}`)
  try {
    const preview = page.getByTestId('widget-preview')
    await preview.waitFor()
    assert.equal(await preview.getAttribute('data-position'), 'right')

    await page.getByTestId('site-greeting').fill('Bonjour! How may we help?')
    await preview.getByTestId('widget-preview-greeting').getByText('Bonjour! How may we help?').waitFor()
    await page.getByTestId('site-color').fill('#aa3300')
    await page.waitForFunction(
      () => getComputedStyle(document.querySelector('[data-testid="widget-preview-launcher"]')).backgroundColor === 'rgb(170, 51, 0)',
    )
    await page.getByTestId('site-font').selectOption('serif')
    await page.waitForFunction(() => /Georgia/.test(document.querySelector('[data-testid="widget-preview"]').style.fontFamily))
    await page.getByTestId('site-position').selectOption('left')
    await page.waitForFunction(() => document.querySelector('[data-testid="widget-preview"]').dataset.position === 'left')

    // Nothing was saved yet; saving stores it for the widget.
    const before = await restOk('GET', `/api/v1/widget/sites/${site.public_key}`)
    assert.equal(before.font_family, 'system')
    await page.getByTestId('site-save').click()
    await page.getByTestId('site-saved').waitFor()
    const saved = await restOk('GET', `/api/v1/sites/${site.id}`, undefined, admin)
    assert.equal(saved.font_family, 'serif')
    assert.equal(saved.launcher_position, 'left')
    assert.equal(saved.color, '#aa3300')
  } catch (err) {
    await explain(err)
  } finally {
    await context.close()
  }
})
