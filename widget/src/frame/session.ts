import type { InitData } from '../protocol'
import { ApiError, call } from './api'
import { backoff, sleep } from './backoff'
import type { Session } from './types'

// The visitor's session: POST /widget/session (who the visitor is, the
// site's settings, the open conversation) and what the widget keeps on the
// device between page loads (the visitor token and the unsent messages).

export interface SessionOptions {
  /** The visitor token from an earlier session, if any. */
  token: string | null
  /** The host page's signed identity token (Parley.identify), if any. */
  identity: string | null
  /** Only resume the visitor the tokens name; never create one. */
  resume?: boolean
  post?: (body: Record<string, unknown>) => Promise<Session>
  wait?: (ms: number) => Promise<void>
  warn?: (text: string) => void
}

export interface SessionResult {
  session: Session
  /** The identity token still in use: null once the server refused it. */
  identity: string | null
}

/**
 * Opens (or refreshes) the session. An identity token the server refuses
 * is dropped with a warning and the visitor chats anonymously; network
 * trouble and server errors are tried again three times with back-off.
 * Anything else is thrown as the ApiError.
 */
export async function openSession(init: InitData, opts: SessionOptions): Promise<SessionResult> {
  const post = opts.post || ((body) => call<Session>('POST', '/widget/session', body))
  const wait = opts.wait || sleep
  const warn = opts.warn || ((text: string) => console.warn(text))
  let identity = opts.identity
  for (let attempt = 0; ; attempt++) {
    try {
      const session = await post({
        site_key: init.siteKey,
        visitor_token: opts.token || undefined,
        identity_token: identity || undefined,
        page_url: init.pageUrl,
        referrer: init.referrer,
        locale: init.locale,
        resume: opts.resume || undefined,
      })
      return { session, identity }
    } catch (e) {
      const err = e as ApiError
      if (err.status === 401 && identity && (err.code === 'invalid_identity' || err.code === 'identity_expired')) {
        warn(`Parley: identify() was given a token the server refused (${err.code}); chatting anonymously.`)
        identity = null
        continue
      }
      if (err.retryable && attempt < 3) {
        await wait(backoff(attempt))
        continue
      }
      throw err
    }
  }
}

/** What the loader reports (to the site's developer) when the site refuses the page for good. */
export function fatalMessage(err: ApiError, hostOrigin: string | null): string {
  const why: Record<string, string> = {
    origin_not_allowed: `this page's origin (${hostOrigin}) is not among the site's allowed origins`,
    site_not_found: 'no site has this data-site key',
    identity_required: 'this site needs Parley.identify() with a signed identity token first',
  }
  return why[err.code] || `${err.message} (${err.code})`
}

export interface Saved {
  token?: unknown
  outbox?: unknown
}

/**
 * The visitor token and unsent messages in localStorage, one key per site.
 * Nothing is written before the visitor interacts (opens or writes): a
 * page that merely shows the button leaves nothing on the device.
 */
export class DeviceStore {
  persisted = false

  constructor(
    private readonly storage: () => Pick<Storage, 'getItem' | 'setItem'>,
    private readonly key: () => string,
  ) {}

  load(): Saved {
    try {
      const raw = this.storage().getItem(this.key())
      return raw ? JSON.parse(raw) : {}
    } catch {
      return {}
    }
  }

  save(token: string | null, outbox: unknown[]): void {
    if (!this.persisted || !token) return
    try {
      this.storage().setItem(this.key(), JSON.stringify({ token, outbox }))
    } catch {
      // Storage blocked (private mode, third-party rules): the chat still works for this page.
    }
  }
}
