import { MessageStore, type Message } from './store'
import type { Page } from './types'

// The conversation's messages as fetched over REST: the latest page when
// the chat opens, earlier pages on request, and everything missed after a
// reconnect or a gap in the live frames.

/** GET /widget/conversations/{id}/messages with the given query. */
export type FetchPage = (conversationId: number, query: string) => Promise<Page>

/** Pages of at most this many messages when catching up. */
export const CATCH_UP_PAGE = 200

export class History {
  readonly store = new MessageStore()
  /**
   * Everything up to this seq has been fetched or received in order. Acks do
   * not move it: a message confirmed over REST while the socket was down may
   * sit above one that was missed.
   */
  syncedSeq = 0
  /** Older messages exist than those in the store. */
  hasEarlier = false

  constructor(private readonly fetchPage: FetchPage) {}

  /** Forgets the messages (another conversation, or a reload). */
  reset(): void {
    this.store.clear()
    this.syncedSeq = 0
  }

  /** The latest 50 messages. False when current() turned false meanwhile (nothing is kept). */
  async latest(conversationId: number, current: () => boolean): Promise<boolean> {
    const p = await this.fetchPage(conversationId, 'limit=50')
    if (!current()) return false
    const items = p.items || []
    this.store.merge(items)
    this.synced(items)
    this.hasEarlier = p.next_cursor != null && items.length > 0
    return true
  }

  /** The 50 messages before the oldest one shown. */
  async earlier(conversationId: number, current: () => boolean): Promise<boolean> {
    const p = await this.fetchPage(conversationId, `before_seq=${this.store.minSeq()}&limit=50`)
    if (!current()) return false
    const items = p.items || []
    this.store.merge(items)
    this.hasEarlier = p.next_cursor != null && items.length > 0
    return true
  }

  /**
   * Fetches everything after syncedSeq, page by page (accepting gaps: notes
   * never reach visitors). Returns the messages that were new, in order.
   */
  async catchUp(conversationId: number, current: () => boolean): Promise<Message[]> {
    const out: Message[] = []
    for (let i = 0; i < 20; i++) {
      const p = await this.fetchPage(conversationId, `after_seq=${this.syncedSeq}&limit=${CATCH_UP_PAGE}`)
      if (!current()) return out
      const items = p.items || []
      out.push(...this.store.merge(items))
      this.synced(items)
      if (items.length < CATCH_UP_PAGE) break
    }
    return out
  }

  /**
   * A message that arrived over the socket. gap: messages may be missing
   * before it (a catch-up should follow); added: it was not known yet.
   */
  received(m: Message): { added: boolean; gap: boolean } {
    const gap = m.seq > this.syncedSeq + 1
    if (!gap) this.synced([m])
    return { added: this.store.add(m), gap }
  }

  private synced(items: Message[]): void {
    for (const m of items) if (m.seq > this.syncedSeq) this.syncedSeq = m.seq
  }
}
