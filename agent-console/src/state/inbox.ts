import { reactive } from 'vue'
import type { ApiClient } from '../lib/api'
import { notificationBody, alertForMessage } from '../lib/alerts'
import {
  applyConversationFrame,
  applyInboxMessage,
  inboxQuery,
  isSupportConversation,
  mergeInbox,
  needsServer,
  NO_FILTERS,
  type InboxFilters,
  type InboxItems,
  type InboxView,
} from '../lib/inbox'
import { applyViewersFrame, type ViewersByConversation } from '../lib/viewers'
import type {
  AgentStatus,
  CannedResponse,
  Message,
  PageOf,
  ServerFrame,
  SiteInfo,
  SupportConversation,
  User,
} from '../lib/types'
import { t } from '../lib/i18n'
import { bulkLabels, listLabels, setConversationLabels, setVisitorLabels, type Label } from '../lib/labels'
import { listTeams, type Team } from '../lib/teams'
import { notify } from './alerts'
import { quietNow } from './notifications'
import { chat, onResync, onServerFrame, sendViewing } from './chat'

export const inbox = reactive({
  enabled: false,
  items: {} as InboxItems,
  loaded: false,
  error: '' as string,
  view: 'mine' as InboxView,
  agentStatus: 'offline' as AgentStatus,
  statusError: '' as string,
  /** The last refusal of an action (claim, transfer…), shown in the pane. */
  actionError: '' as string,
  busy: false,
  canned: {} as Record<number, CannedResponse[]>,
  sites: {} as Record<number, SiteInfo>,
  /** How far each conversation's visitor has read. */
  visitorRead: {} as Record<number, number>,
  /** Search text and filters (status, queue, site). */
  filters: { ...NO_FILTERS } as InboxFilters,
  /** The ids the server answered for a search or queue/site filter, in its order; null when filtering here. */
  results: null as number[] | null,
  searching: false,
  searchError: '' as string,
  /** The sites this agent serves, for the filter selects. */
  siteList: [] as SiteInfo[],
  /** Other agents viewing each conversation. */
  viewers: {} as ViewersByConversation,
  /** Each visitor's conversations, newest first. */
  history: {} as Record<number, SupportConversation[]>,
  /** Every label, for chips, pickers and the filter. */
  labels: [] as Label[],
  /** Rows ticked for a bulk change. */
  selected: [] as number[],
  /** Every team, with its members' state, for the team views and transfers. */
  teams: [] as Team[],
})

let api: ApiClient | null = null
let me: User | null = null
let timer: ReturnType<typeof setInterval> | null = null
const unsubscribe: Array<() => void> = []
/** Where a click on a notification goes. */
let openHandler: (id: number) => void = () => {}

export function isAgent(u: User | null | undefined): boolean {
  return !!u && (u.role === 'agent' || u.role === 'admin')
}

export function onOpenFromNotification(fn: (id: number) => void): void {
  openHandler = fn
}

export function startInbox(c: ApiClient, user: User): void {
  if (api && me?.id === user.id) return
  stopInbox()
  if (!isAgent(user)) return
  api = c
  me = user
  inbox.enabled = true
  // The status routing uses is the server's, whichever tab or device chose
  // it: read it now and after every reconnect; agent_status frames follow changes.
  unsubscribe.push(onServerFrame(onFrame), onResync(loadInbox), onResync(loadAgentStatus), onResync(resendViewing), onResync(() => runSearch()))
  // Admins outside every queue get no frames: a slow poll keeps them current.
  timer = setInterval(() => void loadInbox(), 30_000)
  void loadInbox()
  void loadAgentStatus()
}

/** Reads the caller's status from the server. */
export async function loadAgentStatus(): Promise<void> {
  if (!api) return
  const asked = api
  try {
    const r = await asked.get<{ status: AgentStatus }>('/api/v1/agent/status')
    if (api === asked && isAgentStatus(r.status)) inbox.agentStatus = r.status
  } catch {
    // The next reconnect or frame brings it.
  }
}

export function isAgentStatus(v: unknown): v is AgentStatus {
  return v === 'online' || v === 'away' || v === 'offline'
}

export function stopInbox(): void {
  while (unsubscribe.length) unsubscribe.pop()?.()
  if (timer) clearInterval(timer)
  timer = null
  api = null
  me = null
  inbox.enabled = false
  inbox.items = {}
  inbox.loaded = false
  inbox.error = ''
  inbox.actionError = ''
  inbox.statusError = ''
  inbox.agentStatus = 'offline'
  inbox.canned = {}
  inbox.sites = {}
  inbox.visitorRead = {}
  inbox.filters = { ...NO_FILTERS }
  inbox.results = null
  inbox.searching = false
  inbox.searchError = ''
  inbox.siteList = []
  inbox.viewers = {}
  inbox.history = {}
  inbox.teams = []
  viewingId = null
  if (searchTimer) clearTimeout(searchTimer)
  searchTimer = null
}

export function myAgentId(): number | null {
  return me ? me.id : null
}

async function fetchView(view: InboxView): Promise<SupportConversation[]> {
  if (!api) return []
  const page = await api.get<PageOf<'listAgentConversations', SupportConversation>>(`/api/v1/agent/conversations?view=${view}&limit=200`)
  return page.items ?? []
}

/**
 * The conversations a frame or an action changed while a re-read was on its
 * way, one set per re-read in flight: what a frame brought is newer than
 * an answer the server may have computed before it, so the re-read keeps it.
 */
const liveDuringLoad = new Set<Set<number>>()

function touched(id: number): void {
  for (const ids of liveDuringLoad) ids.add(id)
}

/** Re-reads the three views; the union replaces what is held, except what changed live meanwhile. */
export async function loadInbox(): Promise<void> {
  if (!api) return
  const live = new Set<number>()
  liveDuringLoad.add(live)
  try {
    const [mine, queued, all] = await Promise.all([fetchView('mine'), fetchView('queued'), fetchView('all')])
    let next: InboxItems = {}
    next = mergeInbox(next, all)
    next = mergeInbox(next, queued)
    next = mergeInbox(next, mine)
    for (const id of live) if (inbox.items[id]) next[id] = inbox.items[id]
    // Keep the newer previews of what was already held.
    for (const id of Object.keys(next)) {
      const held = inbox.items[Number(id)]
      if (held?.last_message && (!next[Number(id)].last_message || held.last_message.seq > next[Number(id)].last_message!.seq)) {
        next[Number(id)] = { ...next[Number(id)], last_message: held.last_message, last_seq: Math.max(held.last_seq, next[Number(id)].last_seq) }
      }
    }
    // A conversation open on screen stays even if it left every view.
    const open = chat.openId
    if (open !== null && !next[open] && inbox.items[open]) next[open] = inbox.items[open]
    inbox.items = next
    inbox.loaded = true
    inbox.error = ''
  } catch (err) {
    inbox.error = (err as Error).message
  } finally {
    liveDuringLoad.delete(live)
  }
}

/** Fetches one conversation's current state (e.g. one opened by link). */
export async function loadSupportConversation(id: number): Promise<void> {
  if (!api || inbox.items[id]) return
  await loadInbox()
}

export async function setAgentStatus(status: AgentStatus): Promise<void> {
  if (!api) return
  const before = inbox.agentStatus
  inbox.agentStatus = status
  inbox.statusError = ''
  try {
    await api.put('/api/v1/agent/status', { status })
    // Going online may bring waiting conversations at once.
    void loadInbox()
  } catch (err) {
    inbox.agentStatus = before
    inbox.statusError = (err as Error).message
  }
}

function put(c: SupportConversation | undefined): void {
  if (c && isSupportConversation(c)) {
    inbox.items = mergeInbox(inbox.items, [c])
    touched(c.id)
  }
}

async function act(id: number, action: 'claim' | 'resolve' | 'reopen' | 'transfer', body?: unknown): Promise<boolean> {
  if (!api || inbox.busy) return false
  inbox.busy = true
  inbox.actionError = ''
  try {
    put(await api.post<SupportConversation>(`/api/v1/support/conversations/${id}/${action}`, body ?? {}))
    return true
  } catch (err) {
    inbox.actionError = (err as Error).message
    return false
  } finally {
    inbox.busy = false
  }
}

export const claim = (id: number) => act(id, 'claim')
/** An admin takes a conversation another agent holds. */
export const takeover = (id: number) => act(id, 'claim', { takeover: true })
export const resolve = (id: number) => act(id, 'resolve')
export const reopen = (id: number) => act(id, 'reopen')
export const transfer = (id: number, to: { agent_id: number } | { queue_id: number } | { team_id: number }) => act(id, 'transfer', to)

/** Reads the teams (and who in them is online and how loaded). */
export async function loadTeams(): Promise<void> {
  if (!api) return
  try {
    inbox.teams = await listTeams(api)
  } catch {
    inbox.teams = []
  }
}

export async function loadLabels(): Promise<void> {
  if (!api) return
  try {
    inbox.labels = await listLabels(api)
  } catch {
    // Labels are an extra: the inbox works without them.
  }
}

/** Replaces the labels of one conversation. */
export async function labelConversation(id: number, labelIds: number[]): Promise<void> {
  if (!api) return
  inbox.actionError = ''
  try {
    put(await setConversationLabels(api, id, labelIds))
  } catch (err) {
    inbox.actionError = (err as Error).message
  }
}

/** Adds a label to every ticked conversation, all or nothing. */
export async function labelSelected(labelId: number): Promise<boolean> {
  if (!api || !inbox.selected.length) return false
  inbox.actionError = ''
  try {
    for (const c of await bulkLabels(api, inbox.selected, [labelId])) put(c)
    inbox.selected = []
    return true
  } catch (err) {
    inbox.actionError = (err as Error).message
    return false
  }
}

export function toggleSelected(id: number, on: boolean): void {
  inbox.selected = on ? [...new Set([...inbox.selected, id])] : inbox.selected.filter((x) => x !== id)
}

/** Replaces the labels of a visitor (a contact). */
export async function labelVisitor(visitorId: number, labelIds: number[]): Promise<void> {
  if (!api) return
  inbox.actionError = ''
  try {
    const v = await setVisitorLabels(api, visitorId, labelIds)
    for (const c of Object.values(inbox.items)) if (c.visitor?.id === visitorId) put({ ...c, visitor: v })
  } catch (err) {
    inbox.actionError = (err as Error).message
  }
}

export async function loadCanned(siteId: number): Promise<void> {
  if (!api || inbox.canned[siteId]) return
  try {
    const r = await api.get<{ items: CannedResponse[] }>(`/api/v1/sites/${siteId}/canned-responses`)
    inbox.canned[siteId] = r.items ?? []
  } catch {
    inbox.canned[siteId] = []
  }
}

/** Loads a site's queues and agents; fresh re-reads it (agents' status and load change). */
export async function loadSite(siteId: number, fresh = false): Promise<void> {
  if (!api || (inbox.sites[siteId] && !fresh)) return
  try {
    inbox.sites[siteId] = await api.get<SiteInfo>(`/api/v1/sites/${siteId}`)
  } catch {
    // Transfer then offers only what is known.
  }
}

function titleOf(id: number): string {
  return inbox.items[id]?.title || 'Visitor'
}

function onFrame(f: ServerFrame): void {
  switch (f.type) {
    case 'conversation': {
      const out = applyConversationFrame(inbox.items, f as { event?: string; conversation?: unknown }, myAgentId())
      if (!out) return
      inbox.items = out.items
      touched((f as { conversation: SupportConversation }).conversation.id)
      if (out.assignedToMe && !quietNow((f as { conversation: SupportConversation }).conversation.id)) {
        const c = (f as { conversation: SupportConversation }).conversation
        notify(t('notify.newConversation'), c.queue_name ? t('notify.waitingIn', { name: c.title || t('notify.aVisitor'), queue: c.queue_name }) : t('notify.waiting', { name: c.title || t('notify.aVisitor') }), `conv-${c.id}`, () =>
          openHandler(c.id),
        )
      }
      break
    }
    case 'message': {
      const m = (f as { message: Message }).message
      if (!m || typeof m.conversation_id !== 'number') return
      const next = applyInboxMessage(inbox.items, m)
      if (next) {
        inbox.items = next
        touched(m.conversation_id)
      }
      const support = new Set(Object.keys(inbox.items).map(Number))
      const ctx = { myUserId: myAgentId(), viewing: chat.openId, pageVisible: document.visibilityState === 'visible', quiet: quietNow }
      if (alertForMessage(m, support, ctx)) {
        notify(titleOf(m.conversation_id), notificationBody(m), `msg-${m.conversation_id}`, () => openHandler(m.conversation_id))
      }
      break
    }
    case 'agent_status': {
      // Chosen in another tab or device (or echoed from this one).
      const st = (f as { status?: unknown }).status
      if (isAgentStatus(st)) inbox.agentStatus = st
      break
    }
    case 'viewers': {
      const next = applyViewersFrame(inbox.viewers, f as { conversation_id?: unknown; viewers?: unknown }, myAgentId())
      if (next) inbox.viewers = next
      break
    }
    case 'read': {
      const r = f as { conversation_id?: number; visitor_id?: number; seq?: number }
      if (typeof r.visitor_id === 'number' && typeof r.conversation_id === 'number' && typeof r.seq === 'number') {
        inbox.visitorRead[r.conversation_id] = Math.max(inbox.visitorRead[r.conversation_id] ?? 0, r.seq)
      }
      break
    }
  }
}

// Search and filters: a status alone filters what is held; search, queue
// and site ask the server, debounced while the agent types.

let searchTimer: ReturnType<typeof setTimeout> | null = null
let searchSeq = 0

/** Changes the filters and refreshes the rows (debounced by delayMs). */
export function setFilters(patch: Partial<InboxFilters>, delayMs = 300): void {
  inbox.filters = { ...inbox.filters, ...patch }
  scheduleSearch(delayMs)
}

export function clearFilters(): void {
  setFilters({ ...NO_FILTERS }, 0)
}

/** Re-runs the server query after a view change. */
export function scheduleSearch(delayMs = 0): void {
  if (searchTimer) clearTimeout(searchTimer)
  searchTimer = null
  if (!needsServer(inbox.filters)) {
    searchSeq++
    inbox.results = null
    inbox.searching = false
    inbox.searchError = ''
    return
  }
  inbox.searching = true
  searchTimer = setTimeout(() => void runSearch(), delayMs)
}

/** Asks the server for the rows of the current view and filters; a newer query wins. */
export async function runSearch(): Promise<void> {
  if (!api || !needsServer(inbox.filters)) return
  const seq = ++searchSeq
  inbox.searching = true
  try {
    const page = await api.get<PageOf<'listAgentConversations', SupportConversation>>(`/api/v1/agent/conversations?${inboxQuery(inbox.view, inbox.filters)}`)
    if (seq !== searchSeq) return
    const items = (page.items ?? []).filter(isSupportConversation)
    inbox.items = mergeInbox(inbox.items, items)
    inbox.results = items.map((c) => c.id)
    inbox.searchError = ''
  } catch (err) {
    if (seq !== searchSeq) return
    inbox.results = []
    inbox.searchError = (err as Error).message
  } finally {
    if (seq === searchSeq) inbox.searching = false
  }
}

/** Loads the sites (with their queues) this agent serves, for the filters. */
export async function loadSiteList(): Promise<void> {
  if (!api) return
  try {
    const r = await api.get<{ items: SiteInfo[] }>('/api/v1/sites')
    inbox.siteList = r.items ?? []
  } catch {
    inbox.siteList = []
  }
}

/** Loads a visitor's conversations (the earlier ones shown beside the open one). */
export async function loadVisitorHistory(visitorId: number): Promise<void> {
  if (!api) return
  try {
    const r = await api.get<PageOf<'listVisitorConversations', SupportConversation>>(`/api/v1/support/visitors/${visitorId}/conversations?limit=50`)
    const items = (r.items ?? []).filter(isSupportConversation)
    inbox.history[visitorId] = items
  } catch {
    inbox.history[visitorId] = []
  }
}

/** Holds a conversation met elsewhere (a visitor's earlier one) so that it opens in the pane. */
export function rememberConversation(c: SupportConversation): void {
  put(c)
}

// Collision detection: this tab tells the server which support
// conversation it shows; a reconnect says it again.

let viewingId: number | null = null

/** Announces the conversation this tab views now (null: none). */
export function setViewing(id: number | null): void {
  if (id === viewingId) return
  if (viewingId !== null) {
    sendViewing(viewingId, 'stop')
    delete inbox.viewers[viewingId]
  }
  viewingId = id
  if (id !== null) sendViewing(id, 'start')
}

function resendViewing(): void {
  if (viewingId !== null) sendViewing(viewingId, 'start')
}
