import type { ClientFrame } from '../protocol'
import type { ApiError } from './api'
import { backoff } from './backoff'
import { Outbox } from './outbox'
import type { Message } from './store'

// Getting the visitor's messages to the server without losing or doubling
// any: each pending message goes over the socket first and over REST every
// other attempt (or when the socket is down), with the same client_msg_id,
// until an ack, a REST answer or the message's copy confirms it.

/** Frame error codes the send path should simply try again. */
export const RETRY_CODES = ['rate_limited', 'internal', 'unavailable', 'internal_error', 'timeout']

export interface DeliveryHooks {
  /** The session is loaded: sending may start. */
  ready(): boolean
  /** The open conversation's id; null when none is open yet. */
  conversationId(): number | null
  /** Opens the conversation (the first message starts it). */
  openConversation(): Promise<void>
  socket(): { readonly open: boolean; send(frame: ClientFrame): boolean }
  /** POST /widget/conversations/{id}/messages. */
  post(conversationId: number, body: Record<string, unknown>): Promise<Message>
  /** A confirmed message to show; true when it was new. */
  confirmed(m: Message): boolean
  /** The outbox or the messages changed: keep and draw them. */
  changed(): void
}

export class Delivery {
  private inflight = new Set<string>()
  private timer: ReturnType<typeof setTimeout> | null = null

  constructor(
    private readonly hooks: DeliveryHooks,
    readonly outbox: Outbox = new Outbox(),
  ) {}

  /** Sends whatever is due now and schedules the next attempt. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    if (!this.hooks.ready() || !this.outbox.items.length) return
    const convId = this.hooks.conversationId()
    if (convId == null) {
      this.hooks.openConversation().then(
        () => this.flush(),
        (e: ApiError) => {
          if (e.retryable) this.later(backoff(1))
          else for (const p of this.outbox.items) this.outbox.fail(p.client_msg_id, e.message)
          this.hooks.changed()
        },
      )
      return
    }
    const socket = this.hooks.socket()
    for (const p of this.outbox.due()) {
      if (this.inflight.has(p.client_msg_id)) continue
      const via = Outbox.via(p, socket.open)
      this.outbox.tried(p, via)
      const frame = Outbox.payload(p, convId)
      if (via === 'ws' && socket.send({ type: 'send', ...frame })) continue
      this.inflight.add(p.client_msg_id)
      this.hooks
        .post(convId, { ...frame, conversation_id: undefined })
        .then(
          (m) => this.acked(p.client_msg_id, m),
          (e: ApiError) => {
            this.inflight.delete(p.client_msg_id)
            if (!e.retryable) {
              this.outbox.fail(p.client_msg_id, e.message)
              this.hooks.changed()
            }
          },
        )
        .finally(() => this.later())
    }
    this.later()
  }

  /** The server confirmed a send (ack frame, REST answer, or the message itself). */
  acked(id: string, m: Message | undefined): void {
    this.inflight.delete(id)
    const had = this.outbox.ack(id)
    const added = m ? this.hooks.confirmed(m) : false
    if (had || added) this.hooks.changed()
  }

  /** An error frame: a refusal that retrying will not fix marks the message failed. */
  refused(id: unknown, code: unknown, message: unknown): void {
    if (typeof id !== 'string' || !id || !this.outbox.get(id) || RETRY_CODES.includes(String(code))) return
    this.outbox.fail(id, String(message || code))
    this.hooks.changed()
  }

  /** Pending messages whose copy came back (e.g. with history) are done. */
  dropConfirmed(known: (clientMsgId: string) => boolean): void {
    for (const p of this.outbox.items.slice()) {
      if (known(p.client_msg_id)) this.outbox.ack(p.client_msg_id)
    }
  }

  private later(delay?: number): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    const waiting = this.outbox.items.filter((p) => p.state === 'sending')
    if (!waiting.length) return
    const next = delay ?? Math.max(50, Math.min(...waiting.map((p) => p.next_at)) - Date.now())
    this.timer = setTimeout(() => this.flush(), next)
  }
}
