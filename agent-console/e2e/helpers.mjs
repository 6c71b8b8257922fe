// Shared set-up for the console's browser tests: the server URL, a Chromium
// launched from the system (never downloaded) and a tiny REST client.
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

/** Calls the REST API; resolves {status, body} and never throws on HTTP errors. */
export async function rest(method, path, body, token) {
  const headers = { Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (token) headers.Authorization = `Bearer ${token}`
  const res = await fetch(BASE + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  let parsed = text
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    // Keep the raw text for the failure message.
  }
  return { status: res.status, body: parsed }
}

/** Calls the widget API as a visitor; fails on any status of 300 or more. */
export async function visitor(method, path, body, token) {
  const headers = { Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (token) headers.Authorization = `Visitor ${token}`
  const res = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text}`)
  return text ? JSON.parse(text) : undefined
}

/** Like rest(), but fails with the whole exchange unless the status is expected. */
export async function restOk(method, path, body, token, expected = [200, 201]) {
  const r = await rest(method, path, body, token)
  if (!expected.includes(r.status)) {
    throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`)
  }
  return r.body
}

export async function login(loginName, password) {
  const r = await restOk('POST', '/api/v1/auth/login', { login: loginName, password })
  return r.access_token
}

/** Makes two users friends (direct chats are between friends only). */
export async function befriend(tokenA, tokenB, userB) {
  const r = await rest('POST', '/api/v1/friend-requests', { username: userB.username }, tokenA)
  if (r.status === 404 || r.status === 405) {
    // No friend requests on this server (yet): direct chats must then work without.
    console.log(`# POST /api/v1/friend-requests answered 404 (${JSON.stringify(r.body)}); going on without`)
    return
  }
  if (![200, 201, 409].includes(r.status)) {
    throw new Error(`POST /api/v1/friend-requests answered ${r.status}: ${JSON.stringify(r.body)}`)
  }
  const incoming = await restOk('GET', '/api/v1/friend-requests?box=incoming', undefined, tokenB)
  for (const req of incoming.items ?? []) {
    await restOk('POST', `/api/v1/friend-requests/${req.id}/accept`, {}, tokenB, [200, 201, 204, 409])
  }
}

/** Collects what the page logs, to explain a failure. */
export function watch(page) {
  const lines = []
  page.on('console', (m) => lines.push(`console.${m.type()}: ${m.text()}`))
  page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`))
  page.on('requestfailed', (r) => lines.push(`requestfailed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`))
  return async (err) => {
    let text = ''
    try {
      text = (await page.locator('body').innerText({ timeout: 1000 })).slice(0, 2000)
    } catch {
      // Page gone.
    }
    err.message += `\n--- page ${page.url()}\n${text}\n--- browser log\n${lines.slice(-40).join('\n')}`
    throw err
  }
}

/**
 * The administrator's whole session ({access_token, refresh_token, expires_in,
 * user}) from a single sign-in. The first-run setup belongs to
 * console.test.mjs, so this waits for it; running alone, it does the setup
 * itself (and if another file wins that race, signs in as that admin).
 * Sign-ins are rate limited per IP, so files that need the admin several
 * times (in REST and in the browser) share one session.
 */
export async function adminSession() {
  const known = { login: 'admin', password: 'correct horse battery' }
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if ((await restOk('GET', '/api/v1/setup')).needed === false) break
    await new Promise((r) => setTimeout(r, 250))
  }
  if ((await restOk('GET', '/api/v1/setup')).needed) {
    const r = await rest('POST', '/api/v1/setup', {
      username: known.login,
      email: 'admin@example.com',
      password: known.password,
      nickname: 'Ada Admin',
    })
    if (r.status === 200 || r.status === 201) return r.body
  }
  return restOk('POST', '/api/v1/auth/login', known)
}

/** An administrator's access token (see adminSession). */
export async function adminToken() {
  return (await adminSession()).access_token
}

/**
 * Opens the console in a new context already signed in with a session's
 * tokens (no sign-in request: those are rate limited).
 */
export async function openSignedIn(browser, sess, hash = '/chats') {
  const context = await browser.newContext()
  const stored = JSON.stringify({
    access_token: sess.access_token,
    refresh_token: sess.refresh_token,
    expires_at: Date.now() + (sess.expires_in || 900) * 1000,
  })
  await context.addInitScript((value) => {
    if (!window.sessionStorage.getItem('parley.test.seeded')) {
      window.sessionStorage.setItem('parley.test.seeded', '1')
      window.localStorage.setItem('parley.auth', value)
    }
  }, stored)
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  const explain = watch(page)
  await page.goto(`${BASE}/console/#${hash}`)
  return { context, page, explain }
}

/** Creates a verified user with a role; returns {user, password, token}. */
export async function createUser(admin, name, role = 'user', opts = {}) {
  const suffix = Math.random().toString(16).slice(2, 8)
  const username = `${name.toLowerCase()}${suffix}`
  const password = `${name} password 123`
  const r = await restOk(
    'POST',
    '/api/v1/admin/users',
    { username, email: `${username}@example.com`, password, role, verified: true },
    admin,
    [201],
  )
  // Without a token when not asked for: sign-ins are rate limited per IP.
  return { user: r.user, username, password, token: opts.login === false ? undefined : await login(username, password) }
}

/** Signs in through the console's login page in a new context. */
export async function signInPage(browser, u) {
  const context = await browser.newContext()
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  const explain = watch(page)
  await page.goto(`${BASE}/console/#/login`)
  await page.getByTestId('login-username').fill(u.username)
  await page.getByTestId('login-password').fill(u.password)
  await page.getByTestId('login-submit').click()
  // Users land on Chats, agents and admins on the Inbox.
  await page.waitForURL(/#\/(chats|inbox)/)
  return { context, page, explain }
}
