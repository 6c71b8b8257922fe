// Reports: conversations seeded through the real flow (site, agent in the
// queue, a visitor over the widget API, the agent answers and resolves), then
// the admin opens the reports page and its charts render (see .ci/browser).
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { BASE, adminToken, createUser, launch, restOk, signInPage } from './helpers.mjs'

let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

async function visitor(method, path, body, token) {
  const headers = { Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (token) headers.Authorization = `Visitor ${token}`
  const res = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text}`)
  return text ? JSON.parse(text) : undefined
}

test('the reports page draws charts from a seeded conversation', async () => {
  const admin = await adminToken()
  const siteName = `Reports ${randomUUID().slice(0, 6)}`
  const site = await restOk('POST', '/api/v1/sites', { name: siteName }, admin, [201])
  const queue = site.queues?.find((q) => q.is_default) ?? site.queues?.[0]
  const agent = await createUser(admin, 'Rhea', 'agent')
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

  const { context, page, explain } = await signInPage(browser, { username: 'admin', password: 'correct horse battery' })
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
    await page.getByTestId('report-agent-row').filter({ hasText: agent.username }).or(page.getByTestId('report-agent-row')).first().waitFor()

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
