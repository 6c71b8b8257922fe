import { backoff } from './backoff'

// Messages the visitor wrote that the server has not confirmed yet. Each
// keeps its client_msg_id for every retry, so the server stores it once.

export interface Pending {
  client_msg_id: string
  body: string
  created_at: number
  attempts: number
  /** When the next attempt is due (ms since epoch). */
  next_at: number
  state: 'sending' | 'failed'
  error?: string
}

/** How long a send over the socket may wait for its ack before it is tried again. */
export const ACK_TIMEOUT_MS = 5000

export class Outbox {
  items: Pending[] = []

  constructor(
    private readonly now: () => number = Date.now,
    private readonly rand: () => number = Math.random,
  ) {}

  add(id: string, body: string): Pending {
    const p: Pending = { client_msg_id: id, body, created_at: this.now(), attempts: 0, next_at: 0, state: 'sending' }
    this.items.push(p)
    return p
  }

  get(id: string): Pending | undefined {
    return this.items.find((p) => p.client_msg_id === id)
  }

  /** The server confirmed it: it leaves the outbox. */
  ack(id: string): boolean {
    const n = this.items.length
    this.items = this.items.filter((p) => p.client_msg_id !== id)
    return this.items.length !== n
  }

  /** Those due for an attempt now, oldest first. */
  due(): Pending[] {
    const t = this.now()
    return this.items.filter((p) => p.state === 'sending' && p.next_at <= t)
  }

  /**
   * Records an attempt. Over the socket the next try waits for the ack
   * time-out; over REST (or after a failure) it backs off exponentially.
   */
  tried(p: Pending, via: 'ws' | 'rest'): void {
    const delay = via === 'ws' ? ACK_TIMEOUT_MS : backoff(p.attempts, this.rand, 1000, 30000)
    p.attempts++
    p.next_at = this.now() + delay
  }

  /** Makes every waiting message due at once (e.g. after a reconnect). */
  wake(): void {
    for (const p of this.items) if (p.state === 'sending') p.next_at = 0
  }

  /** A refusal that retrying will not fix (e.g. too long): shown with a retry button. */
  fail(id: string, error: string): void {
    const p = this.get(id)
    if (p) {
      p.state = 'failed'
      p.error = error
    }
  }

  retry(id: string): void {
    const p = this.get(id)
    if (p) {
      p.state = 'sending'
      p.error = undefined
      p.attempts = 0
      p.next_at = 0
    }
  }

  /** Which transport the next attempt uses: the socket first, REST every other time or when it is down. */
  static via(p: Pending, socketOpen: boolean): 'ws' | 'rest' {
    return socketOpen && p.attempts % 2 === 0 ? 'ws' : 'rest'
  }

  /** For localStorage: what survives a reload. */
  dump(): Pending[] {
    return this.items.map((p) => ({ ...p }))
  }

  load(items: unknown): void {
    if (!Array.isArray(items)) return
    for (const it of items) {
      const p = it as Pending
      if (p && typeof p.client_msg_id === 'string' && typeof p.body === 'string' && !this.get(p.client_msg_id)) {
        this.items.push({ ...p, attempts: 0, next_at: 0, state: p.state === 'failed' ? 'failed' : 'sending' })
      }
    }
  }
}

/** A fresh client_msg_id (UUID v4), also where crypto.randomUUID is missing (plain http). */
export function newClientId(c: Crypto | undefined = globalThis.crypto): string {
  if (c && typeof c.randomUUID === 'function') {
    try {
      return c.randomUUID()
    } catch {
      // Not a secure context: fall through.
    }
  }
  const b = new Uint8Array(16)
  if (c && c.getRandomValues) c.getRandomValues(b)
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256)
  b[6] = (b[6] & 0x0f) | 0x40
  b[8] = (b[8] & 0x3f) | 0x80
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}
