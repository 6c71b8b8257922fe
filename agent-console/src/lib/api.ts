import { hasMessage, locale, t } from './i18n'
import type { AuthResponse, KeyValueStore, TokenPair } from './types'

/** An error answered by the server (or a network failure, status 0). */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly details?: unknown
  /** Seconds from a Retry-After header, when the server sent one. */
  readonly retryAfter?: number

  constructor(status: number, code: string, message: string, details?: unknown, retryAfter?: number) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.details = details
    this.retryAfter = retryAfter
  }
}

/** A readable message for a status when the body has none (400, 401, 403, 404, 409, 413, 429, 503). */
function fallbackMessage(status: number): string {
  const key = `http.${status}`
  return hasMessage(key) ? t(key) : t('http.other', { status })
}

/**
 * Turns a failed response into an ApiError. The server answers
 * {"error":{"code","message"}}; anything else (a proxy's HTML page, an empty
 * body) still yields a readable message.
 */
/**
 * The message a form shows: the server's, followed by each offending field
 * with its reason from `details` ("username: 3 to 32 letters…"), so that
 * "some fields are not valid" always says which and why.
 */
export function withDetails(message: string, details: unknown): string {
  if (!details || typeof details !== 'object' || Array.isArray(details)) return message
  const parts = Object.entries(details as Record<string, unknown>)
    .filter(([, why]) => typeof why === 'string' && why)
    .map(([field, why]) => `${field}: ${why as string}`)
  if (parts.length === 0) return message
  // A one-field error whose message is that field's reason: name the field once.
  const only = Object.values(details as Record<string, unknown>)
  if (parts.length === 1 && only[0] === message) return parts[0]
  return `${message} (${parts.join('; ')})`
}

export async function parseError(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`
  let message = fallbackMessage(res.status)
  let details: unknown
  try {
    const text = await res.text()
    if (text) {
      const data = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } }
      const e = data && typeof data === 'object' ? data.error : undefined
      if (e && typeof e === 'object') {
        if (typeof e.code === 'string' && e.code) code = e.code
        if (typeof e.message === 'string' && e.message) message = e.message
        details = e.details
      }
    }
  } catch {
    // Not JSON: keep the fallback message.
  }
  message = withDetails(message, details)
  let retryAfter: number | undefined
  const ra = res.headers.get('Retry-After')
  if (ra !== null && ra.trim() !== '' && Number.isFinite(Number(ra))) retryAfter = Number(ra)
  return new ApiError(res.status, code, message, details, retryAfter)
}

export interface StoredTokens {
  access_token: string
  refresh_token: string
  /** Epoch milliseconds at which the access token expires. */
  expires_at: number
}

/**
 * Keeps the token pair in (local) storage. It reads storage on every call, so
 * a rotation done by another tab is seen at once.
 */
export class TokenStore {
  private readonly storage: KeyValueStore
  private readonly key: string
  private readonly now: () => number

  constructor(storage: KeyValueStore, key = 'parley.auth', now: () => number = Date.now) {
    this.storage = storage
    this.key = key
    this.now = now
  }

  get(): StoredTokens | null {
    const raw = this.storage.getItem(this.key)
    if (!raw) return null
    try {
      const t = JSON.parse(raw) as StoredTokens
      if (typeof t.access_token === 'string' && typeof t.refresh_token === 'string') return t
    } catch {
      // Corrupt entry: treat as signed out.
    }
    return null
  }

  set(pair: TokenPair): void {
    const stored: StoredTokens = {
      access_token: pair.access_token,
      refresh_token: pair.refresh_token,
      expires_at: this.now() + (pair.expires_in || 0) * 1000,
    }
    this.storage.setItem(this.key, JSON.stringify(stored))
  }

  clear(): void {
    this.storage.removeItem(this.key)
  }
}

export interface RequestOptions {
  /** Send the bearer token and refresh on 401 (default true). */
  auth?: boolean
  signal?: AbortSignal
}

export interface ApiClientOptions {
  tokens: TokenStore
  /** Prefix for every path; '' means the page's own origin. */
  baseUrl?: string
  fetch?: typeof fetch
  /** Called once the session cannot be recovered (refresh failed). */
  onAuthLost?: () => void
}

/**
 * REST client for /api/v1. It adds the bearer token, parses errors and, on a
 * 401, refreshes the token pair once and retries. Concurrent 401s share one
 * refresh request: refresh tokens rotate, so two parallel refreshes would make
 * the second one fail and sign the user out.
 */
export class ApiClient {
  readonly tokens: TokenStore
  private readonly baseUrl: string
  private readonly fetchImpl: typeof fetch
  private readonly onAuthLost?: () => void
  private refreshing: Promise<boolean> | null = null

  constructor(opts: ApiClientOptions) {
    this.tokens = opts.tokens
    this.baseUrl = opts.baseUrl ?? ''
    // Bind so the browser's fetch keeps its receiver.
    const f = opts.fetch ?? globalThis.fetch
    this.fetchImpl = ((input: RequestInfo | URL, init?: RequestInit) => f(input, init)) as typeof fetch
    this.onAuthLost = opts.onAuthLost
  }

  get<T>(path: string, opts?: RequestOptions): Promise<T> {
    return this.request<T>('GET', path, undefined, opts)
  }

  post<T>(path: string, body?: unknown, opts?: RequestOptions): Promise<T> {
    return this.request<T>('POST', path, body, opts)
  }

  patch<T>(path: string, body?: unknown, opts?: RequestOptions): Promise<T> {
    return this.request<T>('PATCH', path, body, opts)
  }

  put<T>(path: string, body?: unknown, opts?: RequestOptions): Promise<T> {
    return this.request<T>('PUT', path, body, opts)
  }

  delete<T>(path: string, opts?: RequestOptions): Promise<T> {
    return this.request<T>('DELETE', path, undefined, opts)
  }

  async request<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    return (await this.requestWithStatus<T>(method, path, body, opts)).data
  }

  /** Like request(), for the calls whose success status carries meaning (200 vs 201 or 202). */
  async requestWithStatus<T>(
    method: string,
    path: string,
    body?: unknown,
    opts: RequestOptions = {},
  ): Promise<{ status: number; data: T }> {
    const res = await this.exchange(method, path, body, opts)
    if (res.status === 204) return { status: 204, data: undefined as T }
    const text = await res.text()
    return { status: res.status, data: (text ? JSON.parse(text) : undefined) as T }
  }

  /** A binary resource (e.g. a PNG) fetched with the bearer token. */
  async blob(path: string, opts: RequestOptions = {}): Promise<Blob> {
    const res = await this.exchange('GET', path, undefined, opts)
    return res.blob()
  }

  private async exchange(method: string, path: string, body: unknown, opts: RequestOptions): Promise<Response> {
    const auth = opts.auth !== false
    const used = auth ? this.tokens.get()?.access_token : undefined
    let res = await this.send(method, path, body, used, opts.signal)
    if (res.status === 401 && auth && used) {
      const current = this.tokens.get()?.access_token
      // Another request (or tab) may have refreshed while this one was in flight.
      const ok = current && current !== used ? true : await this.refresh()
      if (!ok) {
        this.authLost()
        throw await parseError(res)
      }
      res = await this.send(method, path, body, this.tokens.get()?.access_token, opts.signal)
      if (res.status === 401) {
        this.authLost()
        throw await parseError(res)
      }
    }
    if (!res.ok) throw await parseError(res)
    return res
  }

  /**
   * Exchanges the refresh token for a new pair. Resolves false when the server
   * rejects it (the session is over); throws on network or server failures so
   * a flaky connection does not sign the user out.
   */
  refresh(): Promise<boolean> {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => {
        this.refreshing = null
      })
    }
    return this.refreshing
  }

  private async doRefresh(): Promise<boolean> {
    const held = this.tokens.get()
    if (!held) return false
    const res = await this.send('POST', '/api/v1/auth/refresh', { refresh_token: held.refresh_token }, undefined)
    if (res.ok) {
      const pair = (await res.json()) as TokenPair
      this.tokens.set(pair)
      return true
    }
    if (res.status >= 500 || res.status === 429) throw await parseError(res)
    // Rejected. If another tab rotated the pair meanwhile, use its pair.
    const now = this.tokens.get()
    return !!now && now.refresh_token !== held.refresh_token
  }

  private authLost(): void {
    this.tokens.clear()
    this.onAuthLost?.()
  }

  private async send(
    method: string,
    path: string,
    body: unknown,
    token: string | undefined,
    signal?: AbortSignal,
  ): Promise<Response> {
    // The server answers errors in the account's language, else in this one.
    const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Language': locale.value }
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    if (token) headers.Authorization = `Bearer ${token}`
    try {
      return await this.fetchImpl(this.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        credentials: 'same-origin',
      })
    } catch (err) {
      if ((err as Error)?.name === 'AbortError') throw err
      throw new ApiError(0, 'network_error', t('http.network'))
    }
  }

  // Auth endpoints. Those that return a token pair store it.

  async login(login: string, password: string): Promise<AuthResponse> {
    const r = await this.post<AuthResponse>('/api/v1/auth/login', { login, password }, { auth: false })
    this.tokens.set(r)
    return r
  }

  async setup(input: { username: string; email: string; password: string; nickname: string }): Promise<AuthResponse> {
    const r = await this.post<AuthResponse>('/api/v1/setup', input, { auth: false })
    this.tokens.set(r)
    return r
  }

  /** Revokes the refresh token; signs out locally whatever the server says. */
  async logout(): Promise<void> {
    const held = this.tokens.get()
    this.tokens.clear()
    if (!held) return
    try {
      // Sent with the access token but without the refresh-and-retry dance.
      await this.send('POST', '/api/v1/auth/logout', { refresh_token: held.refresh_token }, held.access_token)
    } catch {
      // Already signed out locally; the token expires on its own.
    }
  }
}
