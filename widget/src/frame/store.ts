import type { Message } from './types'

export type { Message, Sender } from './types'

// The visitor's view of one conversation: confirmed messages by seq and the
// messages still on their way (pending, keyed by client_msg_id).

/** Confirmed messages of one conversation, ordered by seq, without doubles. */
export class MessageStore {
  private bySeq = new Map<number, Message>()
  private ids = new Set<number>()
  private sorted: Message[] | null = []

  get size(): number {
    return this.bySeq.size
  }

  /** The highest seq known (0 when empty). Gaps below it are fine: notes never reach visitors. */
  maxSeq(): number {
    let max = 0
    for (const s of this.bySeq.keys()) if (s > max) max = s
    return max
  }

  minSeq(): number {
    let min = 0
    for (const s of this.bySeq.keys()) if (!min || s < min) min = s
    return min
  }

  /** Adds a message; false when it was already there (same id or seq). */
  add(m: Message): boolean {
    if (!m || typeof m.seq !== 'number' || this.ids.has(m.id) || this.bySeq.has(m.seq)) return false
    this.bySeq.set(m.seq, m)
    this.ids.add(m.id)
    this.sorted = null
    return true
  }

  /** Adds many; returns the new ones in seq order. */
  merge(ms: Message[]): Message[] {
    const added = ms.filter((m) => this.add(m))
    return added.sort((a, b) => a.seq - b.seq)
  }

  hasClientId(id: string): boolean {
    for (const m of this.bySeq.values()) if (m.client_msg_id === id) return true
    return false
  }

  list(): Message[] {
    if (!this.sorted) this.sorted = Array.from(this.bySeq.values()).sort((a, b) => a.seq - b.seq)
    return this.sorted
  }

  clear(): void {
    this.bySeq.clear()
    this.ids.clear()
    this.sorted = []
  }
}
