import type { ClientFrame } from '../protocol'
import { backoff } from './backoff'
import type { Attachment, FileMeta } from './upload'

// Messages the visitor wrote that the server has not confirmed yet. Each
// keeps its client_msg_id for every retry, so the server stores it once.
// A picture or file is first uploaded ('uploading'), then sent like text
// with the upload's id.

/** The send frame without its type: the body of a socket or REST send. */
export type SendBody = Omit<Extract<ClientFrame, { type: 'send' }>, 'type'>

export interface Pending {
  client_msg_id: string
  body: string
  created_at: number
  attempts: number
  /** When the next attempt is due (ms since epoch). */
  next_at: number
  state: 'uploading' | 'sending' | 'failed'
  error?: string
  /** Media messages: image or file. Text when missing. */
  kind?: string
  /** The file being uploaded (its bytes live only in this page). */
  file?: FileMeta
  /** Set once the upload is done: what the message carries. */
  attachment?: Attachment
  /** Upload progress, 0 to 1. */
  progress?: number
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

  /** A picture or file to upload, then send. */
  addMedia(id: string, kind: string, file: FileMeta): Pending {
    const p: Pending = { client_msg_id: id, body: '', created_at: this.now(), attempts: 0, next_at: 0, state: 'uploading', kind, file, progress: 0 }
    this.items.push(p)
    return p
  }

  /** The upload is done: the message is sent from now on like any other. */
  uploaded(id: string, a: Attachment): void {
    const p = this.get(id)
    if (!p) return
    p.attachment = a
    p.progress = 1
    p.state = 'sending'
    p.error = undefined
    p.attempts = 0
    p.next_at = 0
  }

  /** Drops a message for good (a failed upload the visitor gives up on). */
  remove(id: string): void {
    this.ack(id)
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
      p.state = p.file && !p.attachment ? 'uploading' : 'sending'
      p.error = undefined
      p.attempts = 0
      p.next_at = 0
    }
  }

  /** Which transport the next attempt uses: the socket first, REST every other time or when it is down. */
  static via(p: Pending, socketOpen: boolean): 'ws' | 'rest' {
    return socketOpen && p.attempts % 2 === 0 ? 'ws' : 'rest'
  }

  /** The body of the send frame (and of the REST send) for p. */
  static payload(p: Pending, conversationId: number): SendBody {
    const kind = (p.kind || 'text') as SendBody['kind']
    const out: SendBody = { client_msg_id: p.client_msg_id, conversation_id: conversationId, kind, body: p.body }
    if (p.attachment) out.attachment_id = p.attachment.id
    return out
  }

  /**
   * For localStorage: what survives a reload. A file not uploaded yet
   * does not: its bytes are gone with the page.
   */
  dump(): Pending[] {
    return this.items.filter((p) => !p.file || p.attachment).map((p) => ({ ...p }))
  }

  load(items: unknown): void {
    if (!Array.isArray(items)) return
    for (const it of items) {
      const p = it as Pending
      if (!p || typeof p.client_msg_id !== 'string' || typeof p.body !== 'string' || this.get(p.client_msg_id)) continue
      if (p.file && (!p.attachment || typeof p.attachment.id !== 'number')) continue
      this.items.push({ ...p, attempts: 0, next_at: 0, state: p.state === 'failed' ? 'failed' : 'sending' })
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
