import { describe, expect, it, vi } from 'vitest'
import { ApiClient, ApiError, TokenStore, parseError } from './api'
import { memoryStore } from './types'

type Handler = (req: { url: string; method: string; headers: Record<string, string>; body: unknown }) =>
  | Response
  | Promise<Response>

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  })
}

function setup(handler: Handler, tokens = { access_token: 'a1', refresh_token: 'r1', expires_in: 900 }) {
  const storage = memoryStore()
  const store = new TokenStore(storage)
  if (tokens) store.set(tokens)
  const calls: Array<{ url: string; method: string; auth?: string; body: unknown }> = []
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const headers = (init?.headers ?? {}) as Record<string, string>
    const body = init?.body ? JSON.parse(String(init.body)) : undefined
    const req = { url: String(input), method: init?.method ?? 'GET', headers, body }
    calls.push({ url: req.url, method: req.method, auth: headers.Authorization, body })
    return handler(req)
  })
  const onAuthLost = vi.fn()
  const api = new ApiClient({ tokens: store, fetch: fetchMock as unknown as typeof fetch, onAuthLost })
  return { api, store, storage, calls, onAuthLost }
}

describe('parseError', () => {
  it('reads the error envelope', async () => {
    const e = await parseError(json(401, { error: { code: 'invalid_credentials', message: 'Wrong password.' } }))
    expect(e).toBeInstanceOf(ApiError)
    expect(e.status).toBe(401)
    expect(e.code).toBe('invalid_credentials')
    expect(e.message).toBe('Wrong password.')
  })

  it('keeps Retry-After on 429', async () => {
    const e = await parseError(
      json(429, { error: { code: 'rate_limited', message: 'Slow down.' } }, { 'Retry-After': '30' }),
    )
    expect(e.code).toBe('rate_limited')
    expect(e.retryAfter).toBe(30)
    expect(e.message).toBe('Slow down.')
  })

  it('falls back to a readable message for non-JSON bodies', async () => {
    const e = await parseError(new Response('<html>Bad gateway</html>', { status: 502 }))
    expect(e.code).toBe('http_502')
    expect(e.message).toMatch(/502/)
    const f = await parseError(new Response('', { status: 503 }))
    expect(f.message).toMatch(/unavailable/)
  })

  it('passes field details through', async () => {
    const e = await parseError(
      json(400, { error: { code: 'invalid', message: 'Bad input.', details: { email: 'required' } } }),
    )
    expect(e.details).toEqual({ email: 'required' })
  })

  it('says which fields are wrong and why', async () => {
    const e = await parseError(
      json(400, { error: { code: 'invalid_input', message: 'some fields are not valid', details: { username: '3 to 32 letters', email: 'not an e-mail address' } } }),
    )
    expect(e.message).toBe('some fields are not valid (username: 3 to 32 letters; email: not an e-mail address)')
    const one = await parseError(json(400, { error: { code: 'invalid_input', message: 'a colour such as #4f46e5', details: { color: 'a colour such as #4f46e5' } } }))
    expect(one.message).toBe('color: a colour such as #4f46e5')
  })
})

describe('ApiClient', () => {
  it('sends the bearer token and JSON', async () => {
    const { api, calls } = setup(() => json(200, { id: 1 }))
    const r = await api.post<{ id: number }>('/api/v1/things', { a: 1 })
    expect(r).toEqual({ id: 1 })
    expect(calls[0]).toMatchObject({ method: 'POST', auth: 'Bearer a1', body: { a: 1 } })
  })

  it('sends no token on public calls', async () => {
    const { api, calls } = setup(() => json(200, { needed: false }))
    await api.get('/api/v1/setup', { auth: false })
    expect(calls[0].auth).toBeUndefined()
  })

  it('handles 204 with no body', async () => {
    const { api } = setup(() => new Response(null, { status: 204 }))
    await expect(api.post('/api/v1/x')).resolves.toBeUndefined()
  })

  it('throws ApiError with the server message', async () => {
    const { api } = setup(() => json(404, { error: { code: 'not_found', message: 'No such chat.' } }))
    await expect(api.get('/api/v1/conversations/9')).rejects.toMatchObject({
      status: 404,
      code: 'not_found',
      message: 'No such chat.',
    })
  })

  it('reports network failures as status 0', async () => {
    const { api } = setup(() => {
      throw new TypeError('Failed to fetch')
    })
    await expect(api.get('/api/v1/me')).rejects.toMatchObject({ status: 0, code: 'network_error' })
  })

  it('refreshes once on 401, stores the rotated pair and retries', async () => {
    const { api, store, calls } = setup(({ url, headers, body }) => {
      if (url.endsWith('/auth/refresh')) {
        expect(body).toEqual({ refresh_token: 'r1' })
        return json(200, { access_token: 'a2', refresh_token: 'r2', expires_in: 900 })
      }
      return headers.Authorization === 'Bearer a2' ? json(200, { ok: true }) : json(401, { error: { code: 'unauthorized', message: 'x' } })
    })
    await expect(api.get('/api/v1/me')).resolves.toEqual({ ok: true })
    expect(store.get()).toMatchObject({ access_token: 'a2', refresh_token: 'r2' })
    expect(calls.map((c) => c.url)).toEqual(['/api/v1/me', '/api/v1/auth/refresh', '/api/v1/me'])
    expect(calls[1].auth).toBeUndefined()
  })

  it('serialises concurrent refreshes into one request', async () => {
    let refreshes = 0
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const { api, store } = setup(async ({ url, headers }) => {
      if (url.endsWith('/auth/refresh')) {
        refreshes++
        await gate
        return json(200, { access_token: 'a2', refresh_token: 'r2', expires_in: 900 })
      }
      return headers.Authorization === 'Bearer a2' ? json(200, { url }) : json(401, {})
    })
    const all = Promise.all([api.get('/api/v1/a'), api.get('/api/v1/b'), api.get('/api/v1/c')])
    await new Promise((r) => setTimeout(r, 0))
    release()
    await expect(all).resolves.toEqual([{ url: '/api/v1/a' }, { url: '/api/v1/b' }, { url: '/api/v1/c' }])
    expect(refreshes).toBe(1)
    expect(store.get()?.refresh_token).toBe('r2')
  })

  it('reuses a pair refreshed while a request was in flight', async () => {
    let refreshes = 0
    const { api, store } = setup(({ url, headers }) => {
      if (url.endsWith('/auth/refresh')) {
        refreshes++
        return json(200, { access_token: 'a3', refresh_token: 'r3', expires_in: 900 })
      }
      if (headers.Authorization === 'Bearer a1') {
        // Another tab rotated the pair meanwhile.
        store.set({ access_token: 'a2', refresh_token: 'r2', expires_in: 900 })
        return json(401, {})
      }
      return json(200, { token: headers.Authorization })
    })
    await expect(api.get('/api/v1/me')).resolves.toEqual({ token: 'Bearer a2' })
    expect(refreshes).toBe(0)
  })

  it('signs out when the refresh token is rejected', async () => {
    const { api, store, onAuthLost, calls } = setup(({ url }) =>
      url.endsWith('/auth/refresh')
        ? json(401, { error: { code: 'invalid_token', message: 'Session expired.' } })
        : json(401, { error: { code: 'unauthorized', message: 'Sign in first.' } }),
    )
    await expect(api.get('/api/v1/me')).rejects.toMatchObject({ status: 401 })
    expect(store.get()).toBeNull()
    expect(onAuthLost).toHaveBeenCalledTimes(1)
    expect(calls).toHaveLength(2)
  })

  it('keeps the session when the refresh fails for a server reason', async () => {
    const { api, store, onAuthLost } = setup(({ url }) =>
      url.endsWith('/auth/refresh') ? json(503, { error: { code: 'unavailable', message: 'Down.' } }) : json(401, {}),
    )
    await expect(api.get('/api/v1/me')).rejects.toMatchObject({ status: 503 })
    expect(store.get()?.refresh_token).toBe('r1')
    expect(onAuthLost).not.toHaveBeenCalled()
  })

  it('signs out when the retried request is still unauthorised', async () => {
    const { api, store, onAuthLost } = setup(({ url }) =>
      url.endsWith('/auth/refresh') ? json(200, { access_token: 'a2', refresh_token: 'r2', expires_in: 1 }) : json(401, {}),
    )
    await expect(api.get('/api/v1/me')).rejects.toMatchObject({ status: 401 })
    expect(store.get()).toBeNull()
    expect(onAuthLost).toHaveBeenCalledTimes(1)
  })

  it('does not refresh on a failed login', async () => {
    const { api, calls, onAuthLost } = setup(
      () => json(401, { error: { code: 'invalid_credentials', message: 'Wrong username or password.' } }),
      null as never,
    )
    await expect(api.login('ann', 'nope')).rejects.toMatchObject({
      code: 'invalid_credentials',
      message: 'Wrong username or password.',
    })
    expect(calls).toHaveLength(1)
    expect(onAuthLost).not.toHaveBeenCalled()
  })

  it('stores tokens on login and revokes on logout', async () => {
    const { api, store, calls } = setup(({ url }) =>
      url.endsWith('/login')
        ? json(200, { access_token: 'a9', refresh_token: 'r9', expires_in: 900, user: { id: 1 } })
        : new Response(null, { status: 204 }),
    )
    await api.login('ann', 'pw')
    expect(store.get()).toMatchObject({ access_token: 'a9', refresh_token: 'r9' })
    await api.logout()
    expect(store.get()).toBeNull()
    expect(calls[1]).toMatchObject({ url: '/api/v1/auth/logout', body: { refresh_token: 'r9' }, auth: 'Bearer a9' })
  })
})

describe('TokenStore', () => {
  it('records the expiry and survives bad data', () => {
    const storage = memoryStore()
    const store = new TokenStore(storage, 'k', () => 1_000)
    store.set({ access_token: 'a', refresh_token: 'r', expires_in: 60 })
    expect(store.get()).toEqual({ access_token: 'a', refresh_token: 'r', expires_at: 61_000 })
    storage.setItem('k', '{not json')
    expect(store.get()).toBeNull()
  })
})
