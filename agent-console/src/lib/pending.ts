import type { Attachment, KeyValueStore, MediaKind } from './types'

/** What the outbox holds: text, an uploaded media message, or a private note (sent over REST). */
export type PendingKind = 'text' | 'note' | MediaKind

/** A message the user sent that the server has not acknowledged yet. */
export interface PendingSend {
  client_msg_id: string
  conversation_id: number
  kind: PendingKind
  /** The text, or a media message's caption ('' for none). */
  body: string
  /** A media message's stored upload; it is sent once uploaded, never before. */
  attachment_id?: number
  /** The upload's details, to show the pending message as it will look. */
  attachment?: Attachment
  /** The seq of the message this one replies to. */
  reply_to_seq?: number
  /** When the user pressed send (ISO time), for display and ordering. */
  created_at: string
  /** 'sending' is re-sent on every (re)connect; 'failed' waits for the user. */
  state: 'sending' | 'failed'
  error?: SendError
}

/**
 * What the user sees of a pending send: 'queued' while there is no
 * connection (it goes out when one comes back), 'sending' while it waits
 * for the server's ack, 'failed' when the server refused it.
 */
export type SendStatus = 'queued' | 'sending' | 'failed'

export function sendStatus(p: Pick<PendingSend, 'state'>, connected: boolean): SendStatus {
  if (p.state === 'failed') return 'failed'
  return connected ? 'sending' : 'queued'
}

/** Why the server refused a send; `until` comes with `muted`. */
export interface SendError {
  code: string
  message: string
  until?: string
}

/**
 * The outbox. Every change is written to storage at once, so a reload or a
 * crash keeps unsent messages; they are re-sent with the same client_msg_id,
 * which the server treats idempotently.
 */
export class PendingQueue {
  private items: PendingSend[]
  private readonly storage: KeyValueStore
  private readonly key: string

  constructor(storage: KeyValueStore, key: string) {
    this.storage = storage
    this.key = key
    this.items = PendingQueue.load(storage, key)
  }

  private static load(storage: KeyValueStore, key: string): PendingSend[] {
    try {
      const raw = storage.getItem(key)
      const parsed = raw ? (JSON.parse(raw) as unknown) : []
      if (!Array.isArray(parsed)) return []
      return parsed.filter(
        (p): p is PendingSend =>
          !!p && typeof p.client_msg_id === 'string' && typeof p.conversation_id === 'number' && typeof p.body === 'string',
      )
    } catch {
      return []
    }
  }

  private save(): void {
    if (this.items.length === 0) this.storage.removeItem(this.key)
    else this.storage.setItem(this.key, JSON.stringify(this.items))
  }

  /** All pending sends, oldest first. */
  list(): PendingSend[] {
    return this.items.slice()
  }

  get(clientMsgId: string): PendingSend | undefined {
    return this.items.find((p) => p.client_msg_id === clientMsgId)
  }

  /** Those still to be (re-)sent, oldest first. */
  outgoing(): PendingSend[] {
    return this.items.filter((p) => p.state === 'sending')
  }

  add(item: PendingSend): void {
    if (this.get(item.client_msg_id)) return
    this.items.push(item)
    this.save()
  }

  /** Removes an acknowledged (or discarded) send; returns it if it was held. */
  remove(clientMsgId: string): PendingSend | undefined {
    const i = this.items.findIndex((p) => p.client_msg_id === clientMsgId)
    if (i < 0) return undefined
    const [gone] = this.items.splice(i, 1)
    this.save()
    return gone
  }

  fail(clientMsgId: string, error: SendError): boolean {
    return this.update(clientMsgId, { state: 'failed', error })
  }

  retry(clientMsgId: string): boolean {
    return this.update(clientMsgId, { state: 'sending', error: undefined })
  }

  private update(clientMsgId: string, patch: Partial<PendingSend>): boolean {
    const i = this.items.findIndex((p) => p.client_msg_id === clientMsgId)
    if (i < 0) return false
    this.items[i] = { ...this.items[i], ...patch }
    this.save()
    return true
  }
}
