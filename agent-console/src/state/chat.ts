import { reactive } from 'vue'
import type { ApiClient } from '../lib/api'
import { ApiError } from '../lib/api'
import { fetchAfter, fetchBefore, fetchConversations, fetchLatest, type Getter } from '../lib/chatApi'
import { applyMessage, applyRead, sortByActivity } from '../lib/conversations'
import { applyRecall, highestSeq, leavesGap, lowestSeq, mergeMessages } from '../lib/messages'
import { PendingQueue, type PendingSend } from '../lib/pending'
import { PresenceReporter } from '../lib/presence'
import { RealtimeClient, type ConnectionStatus } from '../lib/realtime'
import { restrictionFromError, type Restriction } from '../lib/restrictions'
import { guessKind } from '../lib/media'
import { initialUpload, uploadFile, uploadStep, type UploadError, type UploadEvent, type UploadState } from '../lib/upload'
import type { Attachment, Conversation, KeyValueStore, MediaKind, Message, ServerFrame, User } from '../lib/types'

/** A media message whose file is still going up (or failed to). */
export interface UploadEntry {
  client_msg_id: string
  conversation_id: number
  name: string
  size: number
  /** The kind asked for (voice recordings) or guessed from the type, for the preview. */
  kind: MediaKind
  caption: string
  created_at: string
  /** An object URL of the picked image, shown while it uploads. */
  preview?: string
  upload: UploadState
}

export interface TypingEntry {
  key: string
  name: string
}

export const chat = reactive({
  conversations: [] as Conversation[],
  conversationsLoaded: false,
  messages: {} as Record<number, Message[]>,
  /** Whether older history may exist before the first message held. */
  hasOlder: {} as Record<number, boolean>,
  loadingOlder: false,
  pending: [] as PendingSend[],
  status: 'idle' as ConnectionStatus,
  openId: null as number | null,
  typing: {} as Record<number, TypingEntry[]>,
  error: '' as string,
  /** Why the conversation list could not be loaded, if it could not. */
  listError: '' as string,
  /** The last refusal to let me speak, per conversation (muted, not friends…). */
  restrictions: {} as Record<number, Restriction>,
  /** Media messages being uploaded; they join the outbox once stored. */
  uploads: [] as UploadEntry[],
  /** Attachments fetched again for fresh signed URLs, by upload id. */
  fresh: {} as Record<number, Attachment>,
})

let api: ApiClient | null = null
let me: User | null = null
let rt: RealtimeClient | null = null
let outbox: PendingQueue | null = null
let outboxKey = ''
const typingTimers = new Map<string, ReturnType<typeof setTimeout>>()
const unsubscribe: Array<() => void> = []
let reporter: PresenceReporter | null = null

type FrameHook = (f: ServerFrame) => void
const frameHooks = new Set<FrameHook>()
const resyncHooks = new Set<() => Promise<void> | void>()

/** Lets other state (friends, groups) see every server frame. */
export function onServerFrame(fn: FrameHook): () => void {
  frameHooks.add(fn)
  return () => frameHooks.delete(fn)
}

/** Runs after every (re)connect, next to the conversation resync. */
export function onResync(fn: () => Promise<void> | void): () => void {
  resyncHooks.add(fn)
  return () => resyncHooks.delete(fn)
}

const ACTIVITY_EVENTS = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'focus'] as const

function onActivity(): void {
  reporter?.activity()
}

function onVisibility(): void {
  reporter?.setHidden(document.visibilityState === 'hidden')
}

const get: Getter = <T>(path: string) => {
  if (!api) return Promise.reject(new Error('not signed in'))
  return api.get<T>(path)
}

function wsUrl(ticket: string): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  return `${scheme}://${location.host}/ws?ticket=${encodeURIComponent(ticket)}`
}

function onOnline(): void {
  rt?.reconnectNow()
}

/** Starts the realtime connection and loads the conversation list. */
export function startChat(client: ApiClient, storage: KeyValueStore, user: User): void {
  if (rt && me?.id === user.id) return
  stopChat()
  api = client
  me = user
  outboxKey = `parley.outbox.${user.id}`
  outbox = new PendingQueue(storage, outboxKey)
  chat.pending = outbox.list()
  rt = new RealtimeClient({
    getTicket: async () => (await client.post<{ ticket: string }>('/api/v1/realtime/ticket')).ticket,
    socketUrl: wsUrl,
    createSocket: (url) => new WebSocket(url) as unknown as import('../lib/realtime').SocketLike,
    pending: outbox,
    resync,
    isFatal: (err) => err instanceof ApiError && err.status === 401,
  })
  unsubscribe.push(
    rt.on('status', (s) => (chat.status = s)),
    rt.on('pending', () => (chat.pending = outbox ? outbox.list() : [])),
    rt.on('ack', (m) => {
      // Speaking worked: whatever stopped me before is over.
      clearRestriction(m.conversation_id)
      acceptMessages([m])
    }),
    rt.on('frame', onFrame),
    rt.on('status', (st) => {
      if (st === 'connected') reporter?.connected()
    }),
  )
  const socket = rt
  reporter = new PresenceReporter({ send: (st) => socket.sendPresence(st) })
  reporter.setHidden(document.visibilityState === 'hidden')
  document.addEventListener('visibilitychange', onVisibility)
  for (const ev of ACTIVITY_EVENTS) window.addEventListener(ev, onActivity, { passive: true, capture: true })
  window.addEventListener('online', onOnline)
  rt.start()
  void loadConversations()
}

export function stopChat(opts: { clearOutbox?: boolean } = {}): void {
  while (unsubscribe.length) unsubscribe.pop()?.()
  rt?.stop()
  rt = null
  reporter?.stop()
  reporter = null
  document.removeEventListener('visibilitychange', onVisibility)
  for (const ev of ACTIVITY_EVENTS) window.removeEventListener(ev, onActivity, { capture: true })
  window.removeEventListener('online', onOnline)
  for (const t of typingTimers.values()) clearTimeout(t)
  typingTimers.clear()
  if (opts.clearOutbox && outbox) for (const p of outbox.list()) outbox.remove(p.client_msg_id)
  outbox = null
  me = null
  chat.conversations = []
  chat.conversationsLoaded = false
  chat.messages = {}
  chat.hasOlder = {}
  chat.pending = []
  chat.status = 'idle'
  chat.openId = null
  chat.typing = {}
  chat.error = ''
  chat.listError = ''
  chat.restrictions = {}
  for (const u of chat.uploads) dropUpload(u.client_msg_id)
  chat.uploads = []
  chat.fresh = {}
}

export function myUserId(): number | null {
  return me ? me.id : null
}

export async function loadConversations(): Promise<void> {
  try {
    const page = await fetchConversations(get)
    chat.conversations = sortByActivity(page.items)
    chat.conversationsLoaded = true
    chat.listError = ''
  } catch (err) {
    chat.listError = (err as Error).message
  }
}

/** Puts a conversation (new or updated) into the list. */
export function upsertConversation(c: Conversation): void {
  const rest = chat.conversations.filter((x) => x.id !== c.id)
  chat.conversations = sortByActivity([c, ...rest])
}

/** After every (re)connect: re-list, then catch up the open conversation. */
async function resync(): Promise<void> {
  const others = Array.from(resyncHooks, (fn) => Promise.resolve(fn()).catch(() => undefined))
  for (const p of outbox?.outgoing() ?? []) if (p.kind === 'note') void postNote(p.conversation_id, p.client_msg_id, p.body)
  await loadConversations()
  const id = chat.openId
  if (id !== null) await catchUp(id)
  await Promise.all(others)
}

async function catchUp(id: number): Promise<void> {
  const held = chat.messages[id]
  if (!held || held.length === 0) {
    await loadLatest(id)
    return
  }
  const gap = await fetchAfter(get, id, highestSeq(held))
  if (gap.length) acceptMessages(gap)
}

async function loadLatest(id: number): Promise<void> {
  const items = await fetchLatest(get, id)
  chat.messages[id] = mergeMessages(chat.messages[id] ?? [], items)
  chat.hasOlder[id] = lowestSeq(chat.messages[id]) > 1
  settleOwn(items)
}

export async function openConversation(id: number): Promise<void> {
  chat.openId = id
  chat.error = ''
  try {
    await catchUp(id)
  } catch (err) {
    chat.error = (err as Error).message
  }
}

export function closeConversation(): void {
  chat.openId = null
}

export async function loadOlder(id: number): Promise<number> {
  const held = chat.messages[id] ?? []
  if (chat.loadingOlder || !chat.hasOlder[id] || held.length === 0) return 0
  chat.loadingOlder = true
  try {
    const items = await fetchBefore(get, id, lowestSeq(held))
    chat.messages[id] = mergeMessages(chat.messages[id] ?? [], items)
    chat.hasOlder[id] = items.length > 0 && lowestSeq(chat.messages[id]) > 1
    return items.length
  } catch (err) {
    chat.error = (err as Error).message
    return 0
  } finally {
    chat.loadingOlder = false
  }
}

/**
 * Loads older pages of a conversation (by before_seq) until the message
 * at seq is held, at most maxPages of them: a search hit is shown in its
 * context. Reports whether it is held.
 */
export async function revealSeq(id: number, seq: number, maxPages = 40): Promise<boolean> {
  for (let i = 0; i < maxPages; i++) {
    const held = chat.messages[id] ?? []
    if (held.length > 0 && lowestSeq(held) <= seq) return held.some((m) => m.seq === seq)
    if (held.length > 0 && !chat.hasOlder[id]) return false
    if (held.length === 0) return false
    if ((await loadOlder(id)) === 0 && !chat.loadingOlder) return false
  }
  return false
}

/** Own messages whose copy arrived by any path: their outbox entry is done. */
function settleOwn(items: Message[]): void {
  if (!rt || !me) return
  for (const m of items) {
    if (m.client_msg_id && m.sender.kind === 'user' && Number(m.sender.id) === me.id) rt.settle(m.client_msg_id)
  }
}

/** Merges messages that arrived live (frames, acks) or by catch-up. */
function acceptMessages(items: Message[]): void {
  for (const m of items) {
    const held = chat.messages[m.conversation_id]
    if (held) {
      if (leavesGap(held, m)) {
        // Something was missed: fetch the gap instead of rendering a hole.
        void fetchAfter(get, m.conversation_id, highestSeq(held))
          .then((gap) => acceptMessages(gap.length ? gap : [m]))
          .catch(() => undefined)
        continue
      }
      chat.messages[m.conversation_id] = mergeMessages(held, [m])
    } else if (m.conversation_id === chat.openId) {
      // The first page is still loading: keep the message; the page merges in.
      chat.messages[m.conversation_id] = [m]
      chat.hasOlder[m.conversation_id] = m.seq > 1
    }
    const next = applyMessage(chat.conversations, m, { myUserId: myUserId(), viewing: chat.openId })
    if (next) chat.conversations = next
    else void loadConversations()
    clearTyping(m.conversation_id, senderKey(m.sender))
  }
  settleOwn(items)
}

/** Merges messages obtained outside the socket (e.g. a REST answer). */
export function receiveMessages(items: Message[]): void {
  acceptMessages(items)
}

function senderKey(from: unknown): string {
  if (from && typeof from === 'object') {
    const f = from as { kind?: unknown; id?: unknown }
    return `${String(f.kind ?? 'user')}:${String(f.id)}`
  }
  return `user:${String(from)}`
}

function typingName(from: unknown, conversationId: number): string {
  if (from && typeof from === 'object') {
    const f = from as { name?: unknown; nickname?: unknown; username?: unknown }
    for (const v of [f.name, f.nickname, f.username]) if (typeof v === 'string' && v) return v
  }
  const c = chat.conversations.find((x) => x.id === conversationId)
  if (c?.peer && String(c.peer.id) === String((from as { id?: unknown })?.id ?? from)) {
    return c.peer.nickname || c.peer.username
  }
  return 'Someone'
}

function clearTyping(conversationId: number, key: string): void {
  const list = chat.typing[conversationId]
  if (!list) return
  chat.typing[conversationId] = list.filter((t) => t.key !== key)
  const tk = `${conversationId}|${key}`
  const timer = typingTimers.get(tk)
  if (timer) clearTimeout(timer)
  typingTimers.delete(tk)
}

function onFrame(f: ServerFrame): void {
  for (const fn of frameHooks) {
    try {
      fn(f)
    } catch {
      // One listener's trouble must not stop the chat.
    }
  }
  switch (f.type) {
    case 'error': {
      const e = f as Extract<ServerFrame, { type: 'error' }>
      const p = e.client_msg_id ? outbox?.get(e.client_msg_id) : undefined
      const r = restrictionFromError(e)
      if (p && r) chat.restrictions[p.conversation_id] = r
      break
    }
    case 'message':
      acceptMessages([(f as Extract<ServerFrame, { type: 'message' }>).message])
      break
    case 'read': {
      const r = f as Extract<ServerFrame, { type: 'read' }>
      if (me && Number(r.user_id) === me.id) chat.conversations = applyRead(chat.conversations, r.conversation_id, r.seq)
      break
    }
    case 'recall': {
      const r = f as Extract<ServerFrame, { type: 'recall' }>
      markRecalled(r.conversation_id, r.seq, new Date().toISOString())
      break
    }
    case 'typing': {
      const t = f as Extract<ServerFrame, { type: 'typing' }>
      const key = senderKey(t.from)
      if (me && key === `user:${me.id}`) break
      clearTyping(t.conversation_id, key)
      if (t.state === 'start') {
        const list = chat.typing[t.conversation_id] ?? []
        chat.typing[t.conversation_id] = [...list, { key, name: typingName(t.from, t.conversation_id) }]
        // A lost "stop" must not leave the indicator on for ever.
        typingTimers.set(
          `${t.conversation_id}|${key}`,
          setTimeout(() => clearTyping(t.conversation_id, key), 6000),
        )
      }
      break
    }
    case 'conversation': {
      const c = (f as Extract<ServerFrame, { type: 'conversation' }>).conversation
      if (!c || typeof c.id !== 'number') break
      if (c.kind === 'support') {
        // The inbox keeps support conversations; here only refresh one I am in.
        const held = chat.conversations.find((x) => x.id === c.id)
        if (held) upsertConversation({ ...held, title: c.title || held.title })
      } else {
        upsertConversation(c as Conversation)
      }
      break
    }
  }
}

function markRecalled(conversationId: number, seq: number, at: string): void {
  const held = chat.messages[conversationId]
  if (held) chat.messages[conversationId] = applyRecall(held, seq, at)
  chat.conversations = chat.conversations.map((c) =>
    c.id === conversationId && c.last_message && c.last_message.seq === seq
      ? { ...c, last_message: { ...c.last_message, body: '', recalled_at: at } }
      : c,
  )
}

/** Forgets a reported refusal (the mute ended, we became friends…). */
export function clearRestriction(conversationId: number): void {
  if (chat.restrictions[conversationId]) delete chat.restrictions[conversationId]
}

/** Sends a text message, as a reply to the message at replyToSeq when given. */
export function sendMessage(conversationId: number, body: string, replyToSeq?: number): void {
  if (!rt) return
  stopTyping(conversationId)
  rt.send(conversationId, body, replyToSeq)
}

export function retrySend(clientMsgId: string): void {
  rt?.retry(clientMsgId)
  const p = outbox?.get(clientMsgId)
  if (p && p.kind === 'note') void postNote(p.conversation_id, p.client_msg_id, p.body)
}

export function discardSend(clientMsgId: string): void {
  rt?.discard(clientMsgId)
}

export async function recallMessage(m: Message): Promise<void> {
  if (!api) return
  try {
    const updated = await api.post<Message>(`/api/v1/messages/${m.id}/recall`)
    const at = updated?.recalled_at || new Date().toISOString()
    markRecalled(m.conversation_id, m.seq, at)
  } catch (err) {
    chat.error = (err as Error).message
  }
}

/** Tells the server the user has seen everything up to the newest message held. */
export function markRead(conversationId: number): void {
  const held = chat.messages[conversationId]
  const c = chat.conversations.find((x) => x.id === conversationId)
  if (!held || held.length === 0 || !c) return
  const seq = highestSeq(held)
  if (seq <= c.read_seq && c.unread === 0) return
  chat.conversations = chat.conversations.map((x) => (x.id === conversationId ? { ...x, read_seq: seq, unread: 0 } : x))
  if (!rt?.sendRead(conversationId, seq) && api) {
    void api.post(`/api/v1/conversations/${conversationId}/read`, { seq }).catch(() => undefined)
  }
}

/** Sends a viewing frame; false while the socket is not connected (a resync hook re-sends it). */
export function sendViewing(conversationId: number, state: 'start' | 'stop'): boolean {
  return rt?.sendViewing(conversationId, state) ?? false
}

let typingState: { conversationId: number; sentAt: number } | null = null
let typingStopTimer: ReturnType<typeof setTimeout> | null = null

/** Called on every keystroke: sends "start" at most every 3 s, "stop" after 4 s idle. */
export function noteTyping(conversationId: number): void {
  const now = Date.now()
  if (!typingState || typingState.conversationId !== conversationId || now - typingState.sentAt > 3000) {
    if (typingState && typingState.conversationId !== conversationId) stopTyping(typingState.conversationId)
    rt?.sendTyping(conversationId, 'start')
    typingState = { conversationId, sentAt: now }
  }
  if (typingStopTimer) clearTimeout(typingStopTimer)
  typingStopTimer = setTimeout(() => stopTyping(conversationId), 4000)
}

export function stopTyping(conversationId: number): void {
  if (typingStopTimer) clearTimeout(typingStopTimer)
  typingStopTimer = null
  if (typingState && typingState.conversationId === conversationId) {
    rt?.sendTyping(conversationId, 'stop')
    typingState = null
  }
}

// Media: upload first (with progress), then send like text, with the same
// client_msg_id from the first try to the last.

const files = new Map<string, File | Blob>()
const aborts = new Map<string, AbortController>()

function setUpload(id: string, e: UploadEvent): UploadEntry | undefined {
  const i = chat.uploads.findIndex((u) => u.client_msg_id === id)
  if (i < 0) return undefined
  const next = { ...chat.uploads[i], upload: uploadStep(chat.uploads[i].upload, e) }
  chat.uploads.splice(i, 1, next)
  return next
}

function dropUpload(id: string): void {
  aborts.get(id)?.abort()
  aborts.delete(id)
  files.delete(id)
  const u = chat.uploads.find((x) => x.client_msg_id === id)
  if (u?.preview) URL.revokeObjectURL(u.preview)
  chat.uploads = chat.uploads.filter((x) => x.client_msg_id !== id)
}

/** A fresh access token for requests made outside the API client (uploads). */
export async function accessToken(): Promise<string | undefined> {
  if (!api) return undefined
  const t = api.tokens.get()
  if (t && t.expires_at - Date.now() < 10_000) {
    try {
      await api.refresh()
    } catch {
      // Try with what we have; a 401 below refreshes again.
    }
  }
  return api.tokens.get()?.access_token
}

async function runUpload(id: string, askKind?: MediaKind): Promise<void> {
  const file = files.get(id)
  const entry = chat.uploads.find((u) => u.client_msg_id === id)
  if (!file || !entry) return
  const ctrl = new AbortController()
  aborts.set(id, ctrl)
  const attempt = async () =>
    uploadFile({
      file,
      name: entry.name,
      kind: askKind,
      token: await accessToken(),
      signal: ctrl.signal,
      onProgress: (loaded, total) => setUpload(id, { type: 'progress', loaded, total }),
    })
  try {
    let a: Attachment
    try {
      a = await attempt()
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401 || !api) throw err
      if (!(await api.refresh())) throw err
      a = await attempt()
    }
    aborts.delete(id)
    const done = setUpload(id, { type: 'done', attachment: a })
    if (!done || !rt) return
    rt.enqueue({
      client_msg_id: id,
      conversation_id: done.conversation_id,
      kind: a.kind,
      body: done.caption,
      attachment_id: a.id,
      attachment: a,
      created_at: done.created_at,
    })
    dropUpload(id)
  } catch (err) {
    aborts.delete(id)
    const e = err instanceof ApiError ? err : new ApiError(0, 'network_error', String((err as Error)?.message ?? err))
    if (e.code === 'aborted') return
    const error: UploadError = { status: e.status, code: e.code, message: e.message }
    setUpload(id, { type: 'fail', error })
  }
}

/** Uploads files and sends each as a media message (the caption goes with the first). */
export function sendFiles(conversationId: number, list: Array<File | Blob>, opts: { kind?: MediaKind; caption?: string; name?: string } = {}): void {
  let caption = opts.caption?.trim() ?? ''
  for (const f of list) {
    const id = crypto.randomUUID()
    const type = f.type || ''
    const kind = opts.kind ?? guessKind(type)
    const name = opts.name || (f as File).name || `upload-${Date.now()}`
    const entry: UploadEntry = {
      client_msg_id: id,
      conversation_id: conversationId,
      name,
      size: f.size,
      kind,
      caption,
      created_at: new Date().toISOString(),
      preview: kind === 'image' ? URL.createObjectURL(f) : undefined,
      upload: uploadStep(initialUpload(f.size), { type: 'start', total: f.size }),
    }
    caption = ''
    files.set(id, f)
    chat.uploads = [...chat.uploads, entry]
    void runUpload(id, opts.kind)
  }
}

export function retryUpload(id: string): void {
  const u = chat.uploads.find((x) => x.client_msg_id === id)
  if (!u || u.upload.phase !== 'failed') return
  setUpload(id, { type: 'retry' })
  void runUpload(id, u.kind === 'voice' ? 'voice' : undefined)
}

export function cancelUpload(id: string): void {
  dropUpload(id)
}

const refreshing = new Map<number, Promise<Attachment | null>>()

/** Fetches fresh signed URLs for an upload whose links ran out. */
export function refreshAttachment(uploadId: number): Promise<Attachment | null> {
  const held = refreshing.get(uploadId)
  if (held) return held
  const p = (async () => {
    if (!api) return null
    try {
      const a = await api.get<Attachment>(`/api/v1/uploads/${uploadId}`)
      chat.fresh[uploadId] = a
      return a
    } catch {
      return null
    } finally {
      setTimeout(() => refreshing.delete(uploadId), 10_000)
    }
  })()
  refreshing.set(uploadId, p)
  return p
}

// Private notes go over REST; they wait in the outbox like any send.

async function postNote(conversationId: number, clientMsgId: string, body: string): Promise<void> {
  if (!api) return
  try {
    const m = await api.post<Message>(`/api/v1/support/conversations/${conversationId}/notes`, { client_msg_id: clientMsgId, body })
    if (m && typeof m.seq === 'number') rt?.acknowledge(m)
    else rt?.settle(clientMsgId)
  } catch (err) {
    const e = err instanceof ApiError ? err : null
    // Passing trouble: the note stays queued and goes again on reconnect.
    if (!e || e.status === 0 || e.status >= 500 || e.status === 429) return
    rt?.fail(clientMsgId, { code: e.code, message: e.message })
  }
}

export function sendNote(conversationId: number, body: string): void {
  if (!rt) return
  const p = rt.enqueue({ conversation_id: conversationId, kind: 'note', body })
  void postNote(conversationId, p.client_msg_id, body)
}
