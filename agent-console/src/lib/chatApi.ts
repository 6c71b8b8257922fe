import { highestSeq } from './messages'
import type { Answer } from './schemas'
import type { Message, MessagePage, User } from './types'

/** The one REST call shape these helpers need (ApiClient.get fits). */
export type Getter = <T>(path: string) => Promise<T>

export const PAGE_SIZE = 50

function messagesPath(conversationId: number, params: Record<string, number>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) q.set(k, String(v))
  return `/api/v1/conversations/${conversationId}/messages?${q.toString()}`
}

/** Sorts a page by seq: the contract says ascending, but be sure. */
function ascending(items: Message[] | undefined): Message[] {
  return (items ?? []).slice().sort((a, b) => a.seq - b.seq)
}

/** The newest page of a conversation, ascending. */
export async function fetchLatest(get: Getter, conversationId: number, limit = PAGE_SIZE): Promise<Message[]> {
  const page = await get<MessagePage>(messagesPath(conversationId, { limit }))
  return ascending(page.items)
}

/** The page just before `beforeSeq`, ascending. */
export async function fetchBefore(
  get: Getter,
  conversationId: number,
  beforeSeq: number,
  limit = PAGE_SIZE,
): Promise<Message[]> {
  const page = await get<MessagePage>(messagesPath(conversationId, { before_seq: beforeSeq, limit }))
  return ascending(page.items)
}

/**
 * Everything after `afterSeq`, fetched page by page until the server returns
 * an empty page. This is how a client catches up after being offline. It also
 * stops if a page makes no progress, so a misbehaving server cannot make it
 * loop forever.
 */
export async function fetchAfter(
  get: Getter,
  conversationId: number,
  afterSeq: number,
  limit = PAGE_SIZE,
  maxPages = 1000,
): Promise<Message[]> {
  const out: Message[] = []
  let cursor = afterSeq
  for (let i = 0; i < maxPages; i++) {
    const page = ascending(
      (await get<MessagePage>(messagesPath(conversationId, { after_seq: cursor, limit }))).items,
    ).filter((m) => m.seq > cursor)
    if (page.length === 0) break
    out.push(...page)
    cursor = highestSeq(page)
  }
  return out
}

/** The conversation list (first page; the server orders it). */
export async function fetchConversations(get: Getter): Promise<Answer<'listConversations'>> {
  const page = await get<Answer<'listConversations'>>('/api/v1/conversations')
  return { items: page.items ?? [], next_cursor: page.next_cursor ?? null }
}

export async function searchUsers(get: Getter, q: string): Promise<User[]> {
  const page = await get<{ items: User[] }>(`/api/v1/users/search?q=${encodeURIComponent(q)}`)
  return page.items ?? []
}
