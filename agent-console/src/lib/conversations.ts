import type { Conversation, Message } from './types'

/** When a conversation last moved, for ordering the list (newest first). */
export function activityOf(c: Conversation): number {
  const t = c.last_message ? Date.parse(c.last_message.created_at) : NaN
  return Number.isFinite(t) ? t : 0
}

export function sortByActivity(list: readonly Conversation[]): Conversation[] {
  return list.slice().sort((a, b) => activityOf(b) - activityOf(a) || b.id - a.id)
}

/**
 * Applies a live message to the conversation list: newer last_message and
 * last_seq, the unread count (not for own messages, nor for the conversation
 * the user is looking at), and the conversation moves to the top. Returns
 * null when the conversation is not in the list (the caller re-fetches it).
 */
export function applyMessage(
  list: readonly Conversation[],
  m: Message,
  ctx: { myUserId: number | null; viewing: number | null },
): Conversation[] | null {
  const i = list.findIndex((c) => c.id === m.conversation_id)
  if (i < 0) return null
  const c = list[i]
  if (m.seq <= c.last_seq && c.last_message && c.last_message.seq >= m.seq) {
    // Already counted; only refresh the preview if it is this very message.
    if (c.last_message.seq !== m.seq) return list.slice()
    const next = list.slice()
    next[i] = { ...c, last_message: m }
    return next
  }
  const own = m.sender.kind === 'user' && ctx.myUserId !== null && Number(m.sender.id) === ctx.myUserId
  const viewing = ctx.viewing === c.id
  const updated: Conversation = {
    ...c,
    last_seq: Math.max(c.last_seq, m.seq),
    last_message: m,
    read_seq: own ? Math.max(c.read_seq, m.seq) : c.read_seq,
    unread: own ? 0 : viewing ? c.unread : c.unread + 1,
  }
  return sortByActivity([...list.slice(0, i), updated, ...list.slice(i + 1)])
}

/** Records that the user read up to seq (from this or another of their sessions). */
export function applyRead(list: readonly Conversation[], conversationId: number, seq: number): Conversation[] {
  return list.map((c) => {
    if (c.id !== conversationId || seq <= c.read_seq) return c
    return { ...c, read_seq: seq, unread: Math.max(0, c.last_seq - seq) }
  })
}

/** The name to show for a conversation. */
export function titleOf(c: Conversation): string {
  if (c.title) return c.title
  if (c.peer) return c.peer.nickname || c.peer.username
  return c.kind === 'group' ? 'Group' : c.kind === 'support' ? 'Visitor' : 'Chat'
}

/** The personal Chats list: direct and group conversations; support ones live in the Inbox only. */
export function personalChats<T extends Pick<Conversation, 'kind'>>(list: readonly T[]): T[] {
  return list.filter((c) => c.kind !== 'support')
}
