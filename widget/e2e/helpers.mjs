// Shared set-up for the widget's browser tests: the Parley server (started
// by .ci/browser, which sets PARLEY_URL), Debian's Chromium through
// playwright-core (never downloaded), a REST client (for it or any other
// Parley, see api()), and a host site served
// from another origin than Parley's.
import { createServer } from 'node:http'
import { randomBytes, randomUUID } from 'node:crypto'
import { chromium } from 'playwright-core'

export const BASE = (process.env.PARLEY_URL || 'http://127.0.0.1:8080').replace(/\/$/, '')
const CHROMIUM = process.env.PARLEY_CHROMIUM || '/usr/bin/chromium'

export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/**
 * A REST client for the Parley at `base`: rest() resolves {status, body} and
 * never throws on HTTP errors; restOk() fails with the whole exchange unless
 * the status is expected.
 */
export function api(base) {
  async function rest(method, path, body, token) {
    const headers = { Accept: 'application/json' }
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    if (token) headers.Authorization = `Bearer ${token}`
    const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    const text = await res.text()
    let parsed = text
    try {
      parsed = text ? JSON.parse(text) : undefined
    } catch {
      // Keep the raw text for the failure message.
    }
    return { status: res.status, body: parsed }
  }

  async function restOk(method, path, body, token, expected = [200, 201, 204]) {
    const r = await rest(method, path, body, token)
    if (!expected.includes(r.status)) {
      throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`)
    }
    return r.body
  }

  async function login(loginName, password) {
    return (await restOk('POST', '/api/v1/auth/login', { login: loginName, password })).access_token
  }

  return { rest, restOk, login }
}

export const { rest, restOk, login } = api(BASE)

// The console's browser tests (agent-console/e2e, run in parallel from the
// same `node --test` line) check that the server is fresh and create this
// administrator in the browser; the widget's tests wait for that and sign
// in as the same person, and only run the setup themselves when alone.
const ADMIN = { username: 'admin', email: 'admin@example.com', password: 'correct horse battery', nickname: 'Ada Admin' }

export async function adminToken() {
  const wait = Number(process.env.PARLEY_E2E_SETUP_WAIT_MS ?? 30000)
  const deadline = Date.now() + wait
  while ((await restOk('GET', '/api/v1/setup')).needed) {
    if (Date.now() > deadline) {
      await restOk('POST', '/api/v1/setup', ADMIN, undefined, [200, 201, 409])
      break
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  return login(ADMIN.username, ADMIN.password)
}

export function suffix() {
  return randomBytes(3).toString('hex')
}

/** A support site whose widget may be used from `origins`. */
export async function createSite(admin, name, patch = {}) {
  const site = await restOk('POST', '/api/v1/sites', { name: `${name} ${suffix()}` }, admin)
  return restOk('PATCH', `/api/v1/sites/${site.id}`, patch, admin)
}

/** An agent in the site's default queue, online unless told otherwise. */
export async function createAgent(admin, site, { online = true } = {}) {
  const s = suffix()
  const user = {
    username: `agent${s}`,
    email: `agent${s}@example.com`,
    password: 'agent password 123',
    role: 'agent',
    verified: true,
  }
  const created = await restOk('POST', '/api/v1/admin/users', user, admin)
  const id = created.user?.id ?? created.id
  const queue = site.queues.find((q) => q.is_default) ?? site.queues[0]
  await restOk('PUT', `/api/v1/queues/${queue.id}/agents/${id}`, { capacity: 2 }, admin)
  const token = await login(user.username, user.password)
  await restOk('PUT', '/api/v1/agent/status', { status: online ? 'online' : 'offline' }, token)
  return { id, token, username: user.username }
}

export async function agentSay(agent, conversationId, body) {
  return restOk(
    'POST',
    `/api/v1/conversations/${conversationId}/messages`,
    { client_msg_id: randomUUID(), kind: 'text', body },
    agent.token,
  )
}

/**
 * A host website on another loopback port (another origin than Parley's):
 * every path answers a page with the one-line snippet for ?key=, loading
 * the widget from `base` (the shared server unless told otherwise).
 */
export async function hostSite(base = BASE) {
  const server = createServer((req, res) => {
    const u = new URL(req.url, 'http://x')
    const key = u.searchParams.get('key') || ''
    const attrs = u.searchParams.get('attrs') || ''
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' })
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop ${u.pathname}</title></head>
<body><h1 id="title">Shop page ${u.pathname}</h1>
<button id="counter" type="button" onclick="this.textContent = String(Number(this.textContent) + 1)">0</button>
<p id="layout">Some content.</p>
<script src="${base}/widget.js" data-site="${key}" ${attrs} async></script>
</body></html>`)
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  const origin = `http://127.0.0.1:${server.address().port}`
  return { origin, url: (path, key) => `${origin}${path}?key=${encodeURIComponent(key)}`, close: () => server.close() }
}

/** Collects what the page logs, to explain a failure. */
export function watch(page) {
  const lines = []
  page.on('console', (m) => lines.push(`console.${m.type()}: ${m.text()}`))
  page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`))
  page.on('requestfailed', (r) => lines.push(`requestfailed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`))
  return {
    lines,
    explain: async (err) => {
      let text = ''
      try {
        text = (await page.locator('body').innerText({ timeout: 1000 })).slice(0, 2000)
      } catch {
        // Page gone.
      }
      err.message += `\n--- page ${page.url()}\n${text}\n--- browser log\n${lines.slice(-40).join('\n')}`
      throw err
    },
  }
}
