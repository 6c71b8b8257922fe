import type { Getter } from './chatApi'
import type { Message } from './types'

/** One message found by GET /api/v1/search. */
export interface SearchHit {
  conversation_id: number
  seq: number
  message: Message
  /** The matched text, HTML-escaped, each match between <mark> and </mark>. */
  highlight: string
  field: 'body' | 'file_name'
}

export interface SearchFilters {
  conversationId?: number | null
  senderId?: number | null
}

/** A piece of a highlight: plain text, or a match to mark. */
export interface Segment {
  text: string
  mark: boolean
}

export function searchPath(q: string, f: SearchFilters = {}, cursor?: string | null): string {
  const p = new URLSearchParams({ q })
  if (f.conversationId) p.set('conversation_id', String(f.conversationId))
  if (f.senderId) p.set('sender_id', String(f.senderId))
  if (cursor) p.set('cursor', cursor)
  return `/api/v1/search?${p.toString()}`
}

/** The first page of hits for q under the filters, newest first. */
export async function searchMessages(get: Getter, q: string, f: SearchFilters = {}): Promise<SearchHit[]> {
  const page = await get<{ items: SearchHit[]; next_cursor: string | null }>(searchPath(q, f))
  return page.items ?? []
}

const entities: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&#34;': '"', '&#39;': "'", '&quot;': '"' }

function unescape(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#34|#39);/g, (e) => entities[e] ?? e)
}

/**
 * Splits a server highlight into text and marked matches, so that it is
 * drawn as text with <mark> elements and never parsed as HTML.
 */
export function highlightSegments(highlight: string): Segment[] {
  const out: Segment[] = []
  const re = /<mark>(.*?)<\/mark>/gs
  let last = 0
  for (let m = re.exec(highlight); m; m = re.exec(highlight)) {
    if (m.index > last) out.push({ text: unescape(highlight.slice(last, m.index)), mark: false })
    out.push({ text: unescape(m[1]), mark: true })
    last = m.index + m[0].length
  }
  if (last < highlight.length) out.push({ text: unescape(highlight.slice(last)), mark: false })
  return out
}

/** Whether a key press asks to focus the search box: Ctrl/Cmd+K anywhere, "/" outside text fields. */
export function isSearchShortcut(e: { key: string; ctrlKey?: boolean; metaKey?: boolean; altKey?: boolean; isComposing?: boolean }, typing: boolean): boolean {
  if (e.isComposing) return false
  if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') return true
  return !typing && e.key === '/' && !e.ctrlKey && !e.metaKey && !e.altKey
}
