import { t } from './i18n'
import type { Message, SupportConversation, SupportStatus } from './types'

/** The inbox tabs: assigned to me, waiting in a queue, everything I may see. */
export type InboxView = 'mine' | 'queued' | 'all'

// Labels are getters so that they follow the language switch.
export const INBOX_VIEWS: ReadonlyArray<{ id: InboxView; label: string }> = (['mine', 'queued', 'all'] as const).map((id) => ({
  id,
  get label() {
    return t(`inbox.view.${id}`)
  },
}))

/** Support conversations known to the console, by id. */
export type InboxItems = Record<number, SupportConversation>

export function isSupportConversation(c: unknown): c is SupportConversation {
  if (!c || typeof c !== 'object') return false
  const x = c as Partial<SupportConversation>
  return x.kind === 'support' && typeof x.id === 'number' && typeof x.status === 'string'
}

/** Whether a conversation belongs in a view (the status filter comes on top). */
export function inView(c: SupportConversation, view: InboxView, myId: number | null, status: SupportStatus | '' = ''): boolean {
  if (status && c.status !== status) return false
  switch (view) {
    case 'mine':
      // Mine means open and mine; with a status filter, any of mine in that status.
      return !!c.assignee && myId !== null && c.assignee.id === myId && (status ? true : c.status === 'assigned')
    case 'queued':
      return c.status === 'queued'
    case 'all':
      return true
  }
}

function activity(c: SupportConversation): number {
  const t = Date.parse(c.last_message?.created_at ?? c.assigned_at ?? c.created_at)
  return Number.isFinite(t) ? t : 0
}

/**
 * The rows of a view: waiting ones first come, first served (the oldest at
 * the top, as the queue serves them); the others by latest activity.
 */
export function inboxList(items: InboxItems, view: InboxView, myId: number | null, status: SupportStatus | '' = ''): SupportConversation[] {
  const rows = Object.values(items).filter((c) => inView(c, view, myId, status))
  if (view === 'queued') {
    return rows.sort((a, b) => (a.queue_position ?? Infinity) - (b.queue_position ?? Infinity) || Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id)
  }
  return rows.sort((a, b) => activity(b) - activity(a) || b.id - a.id)
}

export function inboxCounts(items: InboxItems, myId: number | null): Record<InboxView, number> {
  const out: Record<InboxView, number> = { mine: 0, queued: 0, all: 0 }
  for (const c of Object.values(items)) {
    for (const v of ['mine', 'queued', 'all'] as const) if (inView(c, v, myId)) out[v]++
  }
  return out
}

/** Replaces (or adds) the rows of a freshly fetched page. */
export function mergeInbox(items: InboxItems, page: readonly SupportConversation[]): InboxItems {
  const next = { ...items }
  for (const c of page) if (isSupportConversation(c)) next[c.id] = keepNewer(next[c.id], c)
  return next
}

/** A conversation view never loses a newer last message to an older copy. */
function keepNewer(held: SupportConversation | undefined, c: SupportConversation): SupportConversation {
  if (!held) return c
  if (held.last_message && (!c.last_message || held.last_message.seq > c.last_message.seq)) {
    return { ...c, last_seq: Math.max(c.last_seq, held.last_seq), last_message: held.last_message }
  }
  return c
}

export interface FrameOutcome {
  items: InboxItems
  /** The conversation was newly given to me (assigned, transferred or reopened to me). */
  assignedToMe: boolean
}

/**
 * Applies a `conversation` frame (assigned, queued, position, transferred,
 * resolved, reopened, rated, claimed…): the frame carries the whole new
 * state, so it replaces what is held.
 */
export function applyConversationFrame(
  items: InboxItems,
  frame: { event?: string; conversation?: unknown },
  myId: number | null,
): FrameOutcome | null {
  const c = frame.conversation
  if (!isSupportConversation(c)) return null
  const before = items[c.id]
  const wasMine = !!before && before.status === 'assigned' && before.assignee?.id === myId
  const next = { ...items, [c.id]: keepNewer(before, c) }
  const isMine = c.status === 'assigned' && myId !== null && c.assignee?.id === myId
  return { items: next, assignedToMe: isMine && !wasMine }
}

/** Applies a live message to the row's preview. */
export function applyInboxMessage(items: InboxItems, m: Message): InboxItems | null {
  const c = items[m.conversation_id]
  if (!c) return null
  if (c.last_message && c.last_message.seq >= m.seq) return items
  return { ...items, [c.id]: { ...c, last_seq: Math.max(c.last_seq, m.seq), last_message: m } }
}

/** The next or previous row from the current one (wrapping at neither end). */
export function neighbour(rows: readonly { id: number }[], current: number | null, step: 1 | -1): number | null {
  if (rows.length === 0) return null
  const i = current === null ? -1 : rows.findIndex((r) => r.id === current)
  if (i < 0) return step === 1 ? rows[0].id : rows[rows.length - 1].id
  const j = Math.min(rows.length - 1, Math.max(0, i + step))
  return rows[j].id
}

/**
 * What the agent may do with a conversation now: claim a waiting one, or,
 * as an admin, take over one another agent holds.
 */
export function actionsFor(
  c: SupportConversation,
  myId: number | null,
  admin = false,
): { claim: boolean; takeover: boolean; transfer: boolean; resolve: boolean; reopen: boolean } {
  const mine = c.assignee?.id === myId && c.status === 'assigned'
  const held = c.status === 'assigned' && !!c.assignee && !mine
  return {
    claim: c.status === 'queued' || c.status === 'bot' || (c.status === 'assigned' && !c.assignee),
    takeover: admin && held,
    transfer: c.status !== 'resolved',
    resolve: c.status !== 'resolved',
    reopen: c.status === 'resolved',
  }
}

export function statusLabel(c: SupportConversation): string {
  switch (c.status) {
    case 'bot':
      return t('inbox.bot')
    case 'queued':
      return typeof c.queue_position === 'number' ? t('inbox.waitingAt', { n: c.queue_position }) : t('inbox.waiting')
    case 'assigned':
      return c.assignee ? t('inbox.with', { name: c.assignee.name }) : t('inbox.assigned')
    case 'resolved':
      return t('inbox.resolved')
  }
}

/** A short browser and system name from a user agent string. */
export function browserOf(ua: string | null | undefined): string {
  const s = ua || ''
  if (!s) return ''
  const pick = (re: RegExp) => {
    const m = s.match(re)
    return m ? m[1].split('.')[0] : ''
  }
  let browser = ''
  if (/Edg\//.test(s)) browser = `Edge ${pick(/Edg\/([\d.]+)/)}`
  else if (/OPR\//.test(s)) browser = `Opera ${pick(/OPR\/([\d.]+)/)}`
  else if (/Firefox\//.test(s)) browser = `Firefox ${pick(/Firefox\/([\d.]+)/)}`
  else if (/Chrom(e|ium)\//.test(s)) browser = `Chrome ${pick(/Chrom(?:e|ium)\/([\d.]+)/)}`
  else if (/Safari\//.test(s) && /Version\//.test(s)) browser = `Safari ${pick(/Version\/([\d.]+)/)}`
  let os = ''
  if (/Windows/.test(s)) os = 'Windows'
  else if (/Android/.test(s)) os = 'Android'
  else if (/iPhone|iPad|iPod/.test(s)) os = 'iOS'
  else if (/Mac OS X|Macintosh/.test(s)) os = 'macOS'
  else if (/CrOS/.test(s)) os = 'ChromeOS'
  else if (/Linux/.test(s)) os = 'Linux'
  const parts = [browser.trim(), os].filter(Boolean)
  return parts.length ? parts.join(' on ') : s.slice(0, 60)
}

/** The inbox's search and filters, kept in the URL query. */
export interface InboxFilters {
  q: string
  status: SupportStatus | ''
  queue: number | null
  site: number | null
  label: number | null
  /** A team's view (view=team): its conversations and those of the queues it serves. */
  team: number | null
}

export const NO_FILTERS: Readonly<InboxFilters> = { q: '', status: '', queue: null, site: null, label: null, team: null }

/** The server caps search text at 200 characters. */
export const MAX_SEARCH = 200

function firstOf(v: unknown): string {
  if (Array.isArray(v)) return typeof v[0] === 'string' ? v[0] : ''
  return typeof v === 'string' ? v : ''
}

function positiveId(v: unknown): number | null {
  const n = Number(firstOf(v))
  return Number.isInteger(n) && n > 0 ? n : null
}

/** Reads the filters from a route query (anything odd is ignored). */
export function filtersFromQuery(query: Record<string, unknown>): InboxFilters {
  const status = firstOf(query.status)
  return {
    q: firstOf(query.q).slice(0, MAX_SEARCH),
    status: status === 'queued' || status === 'assigned' || status === 'resolved' ? status : '',
    queue: positiveId(query.queue),
    site: positiveId(query.site),
    label: positiveId(query.label),
    team: positiveId(query.team),
  }
}

/** The route query for the filters: only what is set. */
export function filtersToQuery(f: InboxFilters): Record<string, string> {
  const out: Record<string, string> = {}
  if (f.q.trim()) out.q = f.q
  if (f.status) out.status = f.status
  if (f.queue !== null) out.queue = String(f.queue)
  if (f.site !== null) out.site = String(f.site)
  if (f.label !== null) out.label = String(f.label)
  if (f.team !== null) out.team = String(f.team)
  return out
}

export function hasFilters(f: InboxFilters): boolean {
  return Object.keys(filtersToQuery(f)).length > 0
}

/**
 * Whether the rows must come from the server: search, queue and site are
 * answered there (over everything, not just what the console holds); a
 * status alone is filtered here.
 */
export function needsServer(f: InboxFilters): boolean {
  return !!f.q.trim() || f.queue !== null || f.site !== null || f.label !== null || f.team !== null
}

/** The query string of GET /api/v1/agent/conversations for a view and filters (a team's view wins over the tab). */
export function inboxQuery(view: InboxView, f: InboxFilters, limit = 200): string {
  const p = new URLSearchParams({ view: f.team !== null ? 'team' : view })
  if (f.team !== null) p.set('team_id', String(f.team))
  if (f.status) p.set('status', f.status)
  if (f.queue !== null) p.set('queue_id', String(f.queue))
  if (f.site !== null) p.set('site_id', String(f.site))
  if (f.label !== null) p.set('label_id', String(f.label))
  const q = f.q.trim()
  if (q) p.set('q', q.slice(0, MAX_SEARCH))
  p.set('limit', String(limit))
  return p.toString()
}

/** The rows of a server answer: held copies (fresher previews) in the server's order. */
export function resultRows(items: InboxItems, ids: readonly number[]): SupportConversation[] {
  return ids.map((id) => items[id]).filter((c): c is SupportConversation => !!c)
}

/** What the empty list says. */
export function emptyText(view: InboxView, f: InboxFilters, agentStatus: string): string {
  if (f.team !== null && !f.q.trim() && !f.status && f.queue === null && f.site === null && f.label === null) return t('teams.inboxEmpty')
  if (hasFilters(f)) return f.q.trim() ? t('inbox.noMatchFor', { q: f.q.trim() }) : t('inbox.noMatch')
  if (view === 'mine') return agentStatus === 'online' ? t('inbox.nothingMine') : t('inbox.goOnline')
  return t('inbox.noneHere')
}
