import {
  acceptFromHost,
  MSG_CLOSE,
  MSG_ERROR,
  MSG_IDENTIFY,
  MSG_INIT,
  MSG_MESSAGE,
  MSG_READY,
  MSG_UNREAD,
  MSG_VISIBLE,
  type InitData,
} from '../protocol'
import { ApiError, call } from './api'
import { backoff } from './backoff'
import { fmt, pickStrings, type Strings } from './i18n'
import { renderText } from './links'
import { Outbox, newClientId } from './outbox'
import { cleanPrechat, EMAIL_RE, validatePrechat, type PrechatField } from './prechat'
import { Socket } from './socket'
import { MessageStore, type Message } from './store'
import { filesOf, humanSize, kindOf, overLimit, tooBigWords, upload, uploadError, type Attachment, type Limits } from './upload'

interface Visitor {
  id: number
  name: string
  email: string
  identified: boolean
}

interface Site {
  name: string
  color: string
  greeting: string
  away_message: string
  online: boolean
  open: boolean
  prechat: PrechatField[] | null
  queues: Array<{ id: number; name: string }> | null
}

interface Conversation {
  id: number
  status: 'queued' | 'assigned' | 'resolved' | string
  queue_position?: number | null
  assignee: { id: number; name: string } | null
  last_seq: number
  rating: number | null
}

interface Session {
  visitor_token: string
  visitor: Visitor
  site: Site
  conversation: Conversation | null
  uploads?: Limits
}

interface Page {
  items: Message[] | null
  next_cursor: number | null
}

/** Frame error codes the send path should simply try again. */
const RETRY_CODES = ['rate_limited', 'internal', 'unavailable', 'internal_error', 'timeout']

type Refs = Record<string, HTMLElement>

function refs(doc: Document): Refs {
  const out: Refs = {}
  doc.querySelectorAll<HTMLElement>('[data-ref]').forEach((el) => {
    out[el.getAttribute('data-ref') as string] = el
  })
  return out
}

/** The chat inside the frame. One instance per frame page. */
export class ChatApp {
  t: Strings
  readonly r: Refs
  hostOrigin: string | null = null
  init: InitData | null = null
  token: string | null = null
  identity: string | null = null
  /** The visitor interacted (opened or wrote): from now on the token may be stored. */
  persisted = false
  visible = false
  site: Site | null = null
  visitor: Visitor | null = null
  conv: Conversation | null = null
  readonly store = new MessageStore()
  readonly outbox = new Outbox()
  socket: Socket
  agentReadSeq = 0
  /**
   * Everything up to this seq has been fetched or received in order. Acks do
   * not move it: a message confirmed over REST while the socket was down may
   * sit above one that was missed.
   */
  syncedSeq = 0
  unread = 0
  hasEarlier = false
  prechatValues: Record<string, string> | null = null
  rated = false
  /** The largest upload of each kind, from the session. */
  limits: Limits | null = null
  /** Files still uploading, by client_msg_id: their bytes never leave the page's memory. */
  private files = new Map<string, File>()
  private opening: Promise<void> | null = null
  private inflight = new Set<string>()
  private flushTimer: ReturnType<typeof setTimeout> | null = null
  private typingTimer: ReturnType<typeof setTimeout> | null = null
  private typingSentAt = 0
  private agentTypingTimer: ReturnType<typeof setTimeout> | null = null
  private connectedOnce = false
  private wantSocket = false
  private stars = 0

  constructor(
    readonly doc: Document,
    readonly win: Window,
  ) {
    this.r = refs(doc)
    this.t = pickStrings(win.navigator?.language).t
    const wsBase = win.location.origin.replace(/^http/, 'ws')
    this.socket = new Socket(
      wsBase + '/ws?ticket=',
      {
        ticket: async () => (await call<{ ticket: string }>('POST', '/realtime/ticket', {}, this.token)).ticket,
        onOpen: () => void this.onSocketOpen(),
        onClose: () => this.renderBanner(),
        onRetry: () => this.renderBanner(),
        onFrame: (f) => this.onFrame(f),
        onAuthError: () => void this.runSession(true),
      },
      win,
    )
    this.wire()
  }

  get storageKey(): string {
    return 'parley:v1:' + (this.init ? this.init.siteKey : '')
  }

  // ---- host messages ------------------------------------------------------

  onHostMessage(e: MessageEvent): void {
    const origin = acceptFromHost(e, this.win.parent, this.hostOrigin)
    if (!origin) return
    const m = e.data as Record<string, unknown>
    if (m.type === MSG_INIT && !this.init) {
      this.hostOrigin = origin
      void this.start(m as unknown as InitData)
    } else if (m.type === MSG_VISIBLE) {
      this.setVisible(!!m.open)
    } else if (m.type === MSG_IDENTIFY && typeof m.token === 'string') {
      this.identity = m.token
      void this.runSession(true)
    }
  }

  toHost(msg: object): void {
    if (this.hostOrigin && this.win.parent !== this.win) this.win.parent.postMessage(msg, this.hostOrigin)
  }

  // ---- start and session ----------------------------------------------------

  async start(init: InitData): Promise<void> {
    this.init = init
    const { lang, t } = pickStrings(init.locale)
    this.t = t
    this.doc.documentElement.lang = lang
    this.labels()
    const saved = this.load()
    this.token = typeof saved.token === 'string' ? saved.token : null
    this.outbox.load(saved.outbox)
    this.identity = init.identityToken || null
    if (init.open) this.setVisible(true)
    await this.runSession(false)
  }

  /** POST /widget/session: first at start, again after identify or a reconnect. */
  async runSession(reset: boolean): Promise<void> {
    const init = this.init
    if (!init) return
    for (let attempt = 0; ; attempt++) {
      try {
        const s = await call<Session>('POST', '/widget/session', {
          site_key: init.siteKey,
          visitor_token: this.token || undefined,
          identity_token: this.identity || undefined,
          page_url: init.pageUrl,
          referrer: init.referrer,
          locale: init.locale,
        })
        const first = !this.site
        this.token = s.visitor_token
        this.visitor = s.visitor
        this.site = s.site
        this.limits = s.uploads || null
        this.save()
        if (first) this.toHost({ type: MSG_READY, color: s.site.color })
        this.applySite()
        await this.setConversation(s.conversation, reset)
        return
      } catch (e) {
        const err = e as ApiError
        if (err.status === 401 && this.identity && (err.code === 'invalid_identity' || err.code === 'identity_expired')) {
          console.warn(`Parley: identify() was given a token the server refused (${err.code}); chatting anonymously.`)
          this.identity = null
          continue
        }
        if (err.retryable && attempt < 3) {
          await sleep(backoff(attempt))
          continue
        }
        if (!this.site) {
          this.fatal(err)
          return
        }
        // A refresh that failed: keep what we have, the socket retries anyway.
        return
      }
    }
  }

  fatal(err: ApiError): void {
    const why: Record<string, string> = {
      origin_not_allowed: `this page's origin (${this.hostOrigin}) is not among the site's allowed origins`,
      site_not_found: 'no site has this data-site key',
      identity_required: 'this site needs Parley.identify() with a signed identity token first',
    }
    this.toHost({ type: MSG_ERROR, code: err.code, message: why[err.code] || `${err.message} (${err.code})` })
    this.showNotice(this.t.error)
  }

  async setConversation(c: Conversation | null, reload: boolean): Promise<void> {
    const changed = !this.conv || !c || this.conv.id !== c.id
    if (c && this.conv && this.conv.id === c.id && c.queue_position == null && c.status === 'queued') {
      c.queue_position = this.conv.queue_position
    }
    this.conv = c
    if (c && c.status !== 'resolved') this.rated = false
    if (changed || reload) {
      this.store.clear()
      this.agentReadSeq = 0
      this.syncedSeq = 0
      if (c) await this.loadHistory()
    }
    if (c) {
      this.wantSocket = true
      if (reload) this.socket.stop()
      this.socket.start()
      if (changed) this.flush()
    }
    this.render()
  }

  async loadHistory(): Promise<void> {
    const c = this.conv
    if (!c) return
    try {
      const p = await call<Page>('GET', `/widget/conversations/${c.id}/messages?limit=50`, undefined, this.token)
      if (this.conv !== c) return
      this.store.merge(p.items || [])
      this.synced(p.items || [])
      this.hasEarlier = p.next_cursor != null && (p.items || []).length > 0
      this.dropConfirmed()
    } catch {
      // The socket's catch-up fetches it once connected.
    }
  }

  async loadEarlier(): Promise<void> {
    const c = this.conv
    if (!c) return
    const before = this.store.minSeq()
    const p = await call<Page>('GET', `/widget/conversations/${c.id}/messages?before_seq=${before}&limit=50`, undefined, this.token)
    if (this.conv !== c) return
    const body = this.r.body
    const h = body.scrollHeight
    this.store.merge(p.items || [])
    this.hasEarlier = p.next_cursor != null && (p.items || []).length > 0
    this.render(false)
    body.scrollTop += body.scrollHeight - h
  }

  /** Fetches everything after the last known seq (accepting gaps: notes never come). */
  async catchUp(): Promise<Message[]> {
    const c = this.conv
    const out: Message[] = []
    if (!c) return out
    for (let i = 0; i < 20; i++) {
      const after = this.syncedSeq
      const p = await call<Page>('GET', `/widget/conversations/${c.id}/messages?after_seq=${after}&limit=200`, undefined, this.token)
      if (this.conv !== c) return out
      const items = p.items || []
      out.push(...this.store.merge(items))
      this.synced(items)
      if (items.length < 200) break
    }
    this.dropConfirmed()
    return out
  }

  synced(items: Message[]): void {
    for (const m of items) if (m.seq > this.syncedSeq) this.syncedSeq = m.seq
  }

  async onSocketOpen(): Promise<void> {
    const reconnect = this.connectedOnce
    this.connectedOnce = true
    this.renderBanner()
    try {
      // After a drop the conversation may have moved on (assigned, resolved).
      if (reconnect) await this.runSession(false)
      const missed = await this.catchUp()
      for (const m of missed) this.noticeIncoming(m)
    } catch {
      // Next reconnect tries again.
    }
    this.outbox.wake()
    this.flush()
    this.markRead()
    this.render()
  }

  // ---- frames ---------------------------------------------------------------

  onFrame(f: Record<string, unknown>): void {
    const c = this.conv
    switch (f.type) {
      case 'ack': {
        const m = f.message as Message | undefined
        if (typeof f.client_msg_id === 'string') this.acked(f.client_msg_id, m)
        break
      }
      case 'error': {
        const id = f.client_msg_id
        if (typeof id === 'string' && id && this.outbox.get(id) && !RETRY_CODES.includes(String(f.code))) {
          this.outbox.fail(id, String(f.message || f.code))
          this.save()
          this.render()
        }
        break
      }
      case 'message': {
        const m = f.message as Message
        if (!m || !c) return
        if (m.conversation_id !== c.id) {
          void this.runSession(false)
          return
        }
        if (m.client_msg_id && this.outbox.get(m.client_msg_id)) this.acked(m.client_msg_id, m)
        const gap = m.seq > this.syncedSeq + 1
        if (!gap) this.synced([m])
        if (this.store.add(m)) {
          if (m.sender && m.sender.kind === 'user') this.hideTyping()
          this.noticeIncoming(m)
          this.markRead()
          this.render()
        }
        // A gap may be notes (never shown) or a missed message: ask once, take what comes.
        if (gap) void this.catchUp().then((ms) => ms.length && this.render(), () => undefined)
        break
      }
      case 'typing': {
        const from = f.from as { kind?: string; name?: string } | undefined
        if (!c || f.conversation_id !== c.id || !from || from.kind !== 'user') return
        if (f.state === 'start') this.showTyping(from.name || '')
        else this.hideTyping()
        break
      }
      case 'read': {
        if (!c || f.conversation_id !== c.id || f.user_id == null) return
        const seq = Number(f.seq) || 0
        if (seq > this.agentReadSeq) {
          this.agentReadSeq = seq
          this.render(false)
        }
        break
      }
      case 'conversation': {
        const next = f.conversation as Conversation | undefined
        if (!next) return
        if (typeof f.queue_position === 'number') next.queue_position = f.queue_position
        if (c && next.id !== c.id) {
          void this.setConversation(next, false)
          return
        }
        void this.setConversation(next, false)
        break
      }
    }
  }

  acked(id: string, m: Message | undefined): void {
    this.inflight.delete(id)
    const had = this.outbox.ack(id)
    const added = m ? this.store.add(m) : false
    if (had || added) {
      this.save()
      this.render()
    }
  }

  /** Pending messages whose copy came back (e.g. with history) are done. */
  dropConfirmed(): void {
    for (const p of this.outbox.items.slice()) {
      if (this.store.hasClientId(p.client_msg_id)) this.outbox.ack(p.client_msg_id)
    }
    this.save()
  }

  /** A new message from an agent: tell the host page, count it while closed. */
  noticeIncoming(m: Message): void {
    if (!m.sender || m.sender.kind !== 'user') return
    this.toHost({
      type: MSG_MESSAGE,
      message: { id: m.id, conversation_id: m.conversation_id, seq: m.seq, kind: m.kind, body: m.body, sender: m.sender, created_at: m.created_at },
    })
    if (!this.visible) {
      this.unread++
      this.toHost({ type: MSG_UNREAD, count: this.unread, beep: true })
    }
  }

  markRead(): void {
    const c = this.conv
    if (!c || !this.visible || !this.store.size) return
    this.socket.send({ type: 'read', conversation_id: c.id, seq: this.store.maxSeq() })
  }

  // ---- sending ------------------------------------------------------------

  send(body: string): void {
    body = body.trim()
    if (!body) return
    this.interacted()
    this.outbox.add(newClientId(), body)
    this.save()
    this.stopTyping()
    this.render()
    this.flush()
  }

  /**
   * Pictures and files the visitor picked, dropped or pasted: each is
   * checked against the site's limits, shown with a progress bar while it
   * uploads, then sent like a message (same never-lose rules).
   */
  attach(files: File[]): void {
    if (!files.length || this.r.composer.hidden) return
    this.interacted()
    const errors: string[] = []
    for (const file of files) {
      const meta = { name: file.name || 'file', size: file.size, type: file.type || '' }
      const max = overLimit(meta, this.limits)
      if (max) {
        errors.push(tooBigWords(meta, max, this.t))
        continue
      }
      const id = newClientId()
      this.files.set(id, file)
      this.outbox.addMedia(id, kindOf(meta.type), meta)
      void this.startUpload(id)
    }
    this.showAttachError(errors.join(' '))
    this.render()
    this.flush()
  }

  showAttachError(text: string): void {
    this.r.attachErr.textContent = text
    this.r.attachErr.hidden = !text
  }

  async startUpload(id: string, attempt = 0): Promise<void> {
    const p = this.outbox.get(id)
    const file = this.files.get(id)
    if (!p || !p.file) return
    if (!file) {
      // The page was reloaded meanwhile: nothing left to upload.
      this.outbox.remove(id)
      this.render()
      return
    }
    try {
      const a = await upload(file, p.file.name, p.kind || 'file', this.token, (f) => this.progress(id, f))
      this.files.delete(id)
      this.outbox.uploaded(id, a)
      this.save()
      this.render()
      this.flush()
    } catch (e) {
      const err = e as ApiError
      if (!this.outbox.get(id)) return
      if (err.retryable && attempt < 4) {
        await sleep(backoff(attempt))
        return this.startUpload(id, attempt + 1)
      }
      this.outbox.fail(id, uploadError(err, this.t))
      this.render()
    }
  }

  /** Moves one progress bar without drawing the whole log again. */
  progress(id: string, fraction: number): void {
    const p = this.outbox.get(id)
    if (!p) return
    p.progress = fraction
    const bar = this.r.log.querySelector<HTMLProgressElement>(`[data-client-id="${id}"] progress`)
    if (bar) bar.value = fraction
    const label = this.r.log.querySelector(`[data-client-id="${id}"] .status`)
    if (label && p.state === 'uploading') label.textContent = fmt(this.t.uploading, { n: Math.round(fraction * 100) })
  }

  /** Opens the conversation on the first message (or after the pre-chat form). */
  ensureConversation(): Promise<void> {
    if (this.conv && this.conv.status !== 'resolved') return Promise.resolve()
    if (this.conv) return Promise.resolve() // a resolved chat reopens when the visitor writes
    if (!this.opening) {
      const body: Record<string, unknown> = {}
      if (this.prechatValues && Object.keys(this.prechatValues).length) body.prechat = this.prechatValues
      this.opening = call<{ conversation: Conversation; queue_position?: number | null }>('POST', '/widget/conversations', body, this.token)
        .then(async (r) => {
          if (r.queue_position != null) r.conversation.queue_position = r.queue_position
          await this.setConversation(r.conversation, false)
        })
        .finally(() => {
          this.opening = null
        })
    }
    return this.opening
  }

  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer)
    this.flushTimer = null
    if (!this.site || !this.outbox.items.length) return
    if (!this.conv) {
      this.ensureConversation().then(
        () => this.flush(),
        (e: ApiError) => {
          if (e.retryable) this.flushLater(backoff(1))
          else for (const p of this.outbox.items) this.outbox.fail(p.client_msg_id, e.message)
          this.render()
        },
      )
      return
    }
    const conv = this.conv
    for (const p of this.outbox.due()) {
      if (this.inflight.has(p.client_msg_id)) continue
      const via = Outbox.via(p, this.socket.open)
      this.outbox.tried(p, via)
      const frame = Outbox.payload(p, conv.id)
      if (via === 'ws' && this.socket.send({ type: 'send', ...frame })) continue
      this.inflight.add(p.client_msg_id)
      call<Message>('POST', `/widget/conversations/${conv.id}/messages`, { ...frame, conversation_id: undefined }, this.token)
        .then(
          (m) => this.acked(p.client_msg_id, m),
          (e: ApiError) => {
            this.inflight.delete(p.client_msg_id)
            if (!e.retryable) {
              this.outbox.fail(p.client_msg_id, e.message)
              this.save()
              this.render()
            }
          },
        )
        .finally(() => this.flushLater())
    }
    this.flushLater()
  }

  private flushLater(delay?: number): void {
    if (this.flushTimer) clearTimeout(this.flushTimer)
    this.flushTimer = null
    const waiting = this.outbox.items.filter((p) => p.state === 'sending')
    if (!waiting.length) return
    const next = delay ?? Math.max(50, Math.min(...waiting.map((p) => p.next_at)) - Date.now())
    this.flushTimer = setTimeout(() => this.flush(), next)
  }

  // ---- typing -------------------------------------------------------------

  onInput(): void {
    const c = this.conv
    if (!c || !this.socket.open) return
    const now = Date.now()
    if (now - this.typingSentAt > 3000) {
      this.typingSentAt = now
      this.socket.send({ type: 'typing', conversation_id: c.id, state: 'start' })
    }
    if (this.typingTimer) clearTimeout(this.typingTimer)
    this.typingTimer = setTimeout(() => this.stopTyping(), 2500)
  }

  stopTyping(): void {
    if (this.typingTimer) clearTimeout(this.typingTimer)
    this.typingTimer = null
    if (this.typingSentAt && this.conv) this.socket.send({ type: 'typing', conversation_id: this.conv.id, state: 'stop' })
    this.typingSentAt = 0
  }

  showTyping(name: string): void {
    const el = this.r.typing
    el.textContent = fmt(this.t.typing, { name: name || '…' })
    el.hidden = false
    if (this.agentTypingTimer) clearTimeout(this.agentTypingTimer)
    this.agentTypingTimer = setTimeout(() => this.hideTyping(), 6000)
  }

  hideTyping(): void {
    this.r.typing.hidden = true
  }

  // ---- visibility and storage ---------------------------------------------

  setVisible(open: boolean): void {
    this.visible = open
    if (!open) return
    this.interacted()
    if (this.unread) {
      this.unread = 0
      this.toHost({ type: MSG_UNREAD, count: 0 })
    }
    this.markRead()
    const input = this.r.input as HTMLTextAreaElement
    if (!this.r.composer.hidden) setTimeout(() => input.focus(), 0)
  }

  /** The first open or send: only now may the widget keep anything on the device. */
  interacted(): void {
    if (this.persisted) return
    this.persisted = true
    this.save()
  }

  load(): { token?: unknown; outbox?: unknown } {
    try {
      const raw = this.win.localStorage.getItem(this.storageKey)
      return raw ? JSON.parse(raw) : {}
    } catch {
      return {}
    }
  }

  save(): void {
    if (!this.persisted || !this.token) return
    try {
      this.win.localStorage.setItem(this.storageKey, JSON.stringify({ token: this.token, outbox: this.outbox.dump() }))
    } catch {
      // Storage blocked (private mode, third-party rules): the chat still works for this page.
    }
  }

  // ---- rendering ----------------------------------------------------------

  labels(): void {
    const t = this.t
    const r = this.r
    r.title.textContent = t.title
    r.close.setAttribute('aria-label', t.close)
    r.banner.textContent = t.offline
    r.earlier.textContent = t.earlier
    r.emailLabel.textContent = t.emailLabel
    r.emailSave.textContent = t.emailSave
    ;(r.email as HTMLInputElement).placeholder = t.emailLabel
    r.rateTitle.textContent = t.rateTitle
    r.rateCommentLabel.textContent = t.rateComment
    ;(r.rateComment as HTMLTextAreaElement).placeholder = t.rateComment
    r.rateSend.textContent = t.rateSend
    r.inputLabel.textContent = t.placeholder
    ;(r.input as HTMLTextAreaElement).placeholder = t.placeholder
    r.send.setAttribute('aria-label', t.send)
    r.attach.setAttribute('aria-label', t.attach)
    r.lightboxClose.setAttribute('aria-label', t.closeImage)
    r.log.setAttribute('aria-label', t.log)
    const stars = r.stars
    stars.textContent = ''
    for (let n = 1; n <= 5; n++) {
      const b = this.doc.createElement('button')
      b.type = 'button'
      b.className = 'star'
      b.textContent = '★'
      b.setAttribute('aria-label', fmt(t.rateStar, { n }))
      b.setAttribute('aria-pressed', 'false')
      b.setAttribute('data-score', String(n))
      b.setAttribute('data-testid', `parley-rating-${n}`)
      b.addEventListener('click', () => this.pickStars(n))
      stars.appendChild(b)
    }
  }

  showNotice(text: string): void {
    this.r.notice.textContent = text
    this.r.notice.hidden = false
    this.r.composer.hidden = true
    this.r.prechat.hidden = true
  }

  applySite(): void {
    const s = this.site
    if (!s) return
    const color = /^#[0-9a-fA-F]{6}$/.test(s.color) ? s.color : '#4f46e5'
    this.doc.documentElement.style.setProperty('--c', color)
    this.r.title.textContent = s.name || this.t.title
    this.r.mark.textContent = (s.name || 'P').trim().charAt(0).toUpperCase() || 'P'
    this.r.greeting.textContent = s.greeting || ''
    this.r.greeting.hidden = !s.greeting
  }

  get offline(): boolean {
    return !!this.site && (!this.site.online || !this.site.open)
  }

  renderBanner(): void {
    this.r.banner.hidden = !this.wantSocket || this.socket.open || !this.connectedOnce
  }

  render(stick = true): void {
    const { r, t, site, conv } = this
    if (!site) return
    const body = r.body
    const atBottom = body.scrollHeight - body.scrollTop - body.clientHeight < 40
    r.subtitle.textContent = this.offline ? t.away : t.online
    r.earlier.hidden = !this.hasEarlier

    // Away message and e-mail capture while nobody can answer.
    r.away.hidden = !this.offline
    r.awayMsg.textContent = site.away_message || t.away
    const email = this.visitor && this.visitor.email
    r.emailForm.hidden = !!email
    if (email) r.emailNote.textContent = fmt(t.emailSaved, { email })

    // Pre-chat form before the first message, then the composer.
    const fields = site.prechat || []
    const needForm = !conv && fields.length > 0 && !this.prechatValues && !this.outbox.items.length
    if (needForm && r.prechat.hidden) this.buildPrechat(fields)
    r.prechat.hidden = !needForm
    r.composer.hidden = needForm

    this.renderLog()

    // Queue position while waiting.
    const q = conv && conv.status === 'queued'
    r.queue.hidden = !q
    if (q && conv) {
      const pos = conv.queue_position
      r.queue.textContent = pos == null ? t.waiting : pos <= 1 ? t.queueNext : fmt(t.queue, { n: pos })
    }

    // Rating once resolved.
    const rate = !!conv && conv.status === 'resolved' && (conv.rating == null || this.rated)
    r.rating.hidden = !rate
    if (rate && conv && conv.rating != null && this.rated) this.ratedView()
    this.renderBanner()
    if (stick && atBottom) body.scrollTop = body.scrollHeight
  }

  renderLog(): void {
    const { doc, t } = this
    const log = this.r.log
    log.textContent = ''
    const list = this.store.list()
    let lastMine: Message | null = null
    for (const m of list) if (m.sender && m.sender.kind === 'visitor') lastMine = m
    for (const m of list) {
      const li = doc.createElement('li')
      li.setAttribute('data-testid', 'parley-message')
      li.setAttribute('data-seq', String(m.seq))
      if (m.kind === 'system' || (m.sender && m.sender.kind === 'system')) {
        li.className = 'msg sys'
        renderText(doc, li, m.body || '')
      } else {
        const mine = m.sender && m.sender.kind === 'visitor'
        li.className = mine ? 'msg mine' : 'msg theirs'
        if (!mine) {
          const av = doc.createElement('span')
          av.className = 'avatar'
          av.setAttribute('aria-hidden', 'true')
          av.textContent = (m.sender.name || '?').trim().charAt(0).toUpperCase()
          li.appendChild(av)
        }
        const wrap = doc.createElement('div')
        wrap.className = 'bubble-wrap'
        const who = doc.createElement('span')
        who.className = 'who'
        who.textContent = mine ? t.you : m.sender.name || ''
        wrap.appendChild(who)
        if (m.attachment) wrap.appendChild(this.attachmentView(m.attachment))
        if (m.body || !m.attachment) {
          const bubble = doc.createElement('p')
          bubble.className = 'bubble'
          bubble.setAttribute('data-testid', 'parley-message-body')
          renderText(doc, bubble, m.body || '')
          wrap.appendChild(bubble)
        }
        if (m === lastMine && this.agentReadSeq >= m.seq) {
          const rc = doc.createElement('span')
          rc.className = 'status'
          rc.setAttribute('data-testid', 'parley-read')
          rc.textContent = t.read
          wrap.appendChild(rc)
        }
        li.appendChild(wrap)
      }
      log.appendChild(li)
    }
    for (const p of this.outbox.items) {
      const li = doc.createElement('li')
      li.className = 'msg mine pending'
      li.setAttribute('data-testid', 'parley-message')
      li.setAttribute('data-pending', p.state)
      li.setAttribute('data-client-id', p.client_msg_id)
      const wrap = doc.createElement('div')
      wrap.className = 'bubble-wrap'
      if (p.file) {
        wrap.appendChild(p.attachment ? this.attachmentView(p.attachment) : this.uploadView(p.file.name, p.file.size, p.progress || 0))
      } else {
        const bubble = doc.createElement('p')
        bubble.className = 'bubble'
        bubble.setAttribute('data-testid', 'parley-message-body')
        renderText(doc, bubble, p.body)
        wrap.appendChild(bubble)
      }
      if (p.state === 'failed' && p.file && !p.attachment) {
        // Refused (too large, not a picture, unreadable): say why; trying again won't help.
        const e = doc.createElement('span')
        e.className = 'status failed'
        e.setAttribute('role', 'alert')
        e.setAttribute('data-testid', 'parley-upload-error')
        e.textContent = p.error || t.upFailed
        const b = doc.createElement('button')
        b.type = 'button'
        b.className = 'link-btn'
        b.textContent = t.remove
        b.addEventListener('click', () => {
          this.outbox.remove(p.client_msg_id)
          this.files.delete(p.client_msg_id)
          this.save()
          this.render()
        })
        wrap.appendChild(e)
        wrap.appendChild(b)
      } else if (p.state === 'failed') {
        const b = doc.createElement('button')
        b.type = 'button'
        b.className = 'status failed'
        b.textContent = t.failed
        b.title = p.error || ''
        b.addEventListener('click', () => {
          this.outbox.retry(p.client_msg_id)
          this.render()
          this.flush()
        })
        wrap.appendChild(b)
      } else {
        const s = doc.createElement('span')
        s.className = 'status'
        s.textContent = p.state === 'uploading' ? fmt(t.uploading, { n: Math.round((p.progress || 0) * 100) }) : t.sending
        wrap.appendChild(s)
      }
      li.appendChild(wrap)
      log.appendChild(li)
    }
  }

  /** A picture as a thumbnail that opens large; anything else as a download link with its name and size. */
  attachmentView(a: Attachment): HTMLElement {
    const { doc, t } = this
    const url = safeUrl(a.url)
    if (a.kind === 'image' && url) {
      const b = doc.createElement('button')
      b.type = 'button'
      b.className = 'thumb'
      b.setAttribute('aria-label', fmt(t.openImage, { name: a.name }))
      const img = doc.createElement('img')
      img.setAttribute('data-testid', 'parley-attachment-image')
      img.alt = a.name
      img.src = safeUrl(a.thumb_url) || url
      if (a.width && a.height) {
        const scale = Math.min(1, 200 / a.width, 200 / a.height)
        img.width = Math.max(1, Math.round(a.width * scale))
        img.height = Math.max(1, Math.round(a.height * scale))
      }
      b.appendChild(img)
      b.addEventListener('click', () => this.openImage(url, a.name))
      return b
    }
    if ((a.kind === 'voice' || a.kind === 'video') && url) {
      const el = doc.createElement(a.kind === 'voice' ? 'audio' : 'video')
      el.controls = true
      el.preload = 'metadata'
      el.src = url
      el.className = 'media'
      return el
    }
    const link = doc.createElement('a')
    link.className = 'file'
    link.setAttribute('data-testid', 'parley-attachment-file')
    if (url) link.href = url
    link.download = a.name
    link.target = '_blank'
    link.rel = 'noopener noreferrer'
    const name = doc.createElement('span')
    name.className = 'file__name'
    name.textContent = a.name
    const size = doc.createElement('span')
    size.className = 'file__size'
    size.textContent = humanSize(a.size)
    link.appendChild(name)
    link.appendChild(size)
    link.setAttribute('aria-label', fmt(t.download, { name: a.name, size: humanSize(a.size) }))
    return link
  }

  /** A file on its way: name, size and a progress bar. */
  uploadView(name: string, size: number, progress: number): HTMLElement {
    const doc = this.doc
    const box = doc.createElement('div')
    box.className = 'file'
    const n = doc.createElement('span')
    n.className = 'file__name'
    n.textContent = name
    const s = doc.createElement('span')
    s.className = 'file__size'
    s.textContent = humanSize(size)
    const bar = doc.createElement('progress')
    bar.max = 1
    bar.value = progress
    bar.setAttribute('data-testid', 'parley-upload-progress')
    bar.setAttribute('aria-label', name)
    box.appendChild(n)
    box.appendChild(s)
    box.appendChild(bar)
    return box
  }

  openImage(url: string, name: string): void {
    const img = this.r.lightboxImg as HTMLImageElement
    img.src = url
    img.alt = name
    this.r.lightbox.hidden = false
    this.r.lightboxClose.focus()
  }

  closeImage(): boolean {
    if (this.r.lightbox.hidden) return false
    this.r.lightbox.hidden = true
    ;(this.r.lightboxImg as HTMLImageElement).removeAttribute('src')
    return true
  }

  buildPrechat(fields: PrechatField[]): void {
    const { doc, t } = this
    const form = this.r.prechat
    form.textContent = ''
    for (const f of fields) {
      const id = 'parley-pre-' + f.name
      const label = doc.createElement('label')
      label.htmlFor = id
      label.textContent = f.label + (f.required ? ' *' : '')
      const input = doc.createElement('input')
      input.id = id
      input.name = f.name
      input.type = f.type === 'email' ? 'email' : 'text'
      input.required = !!f.required
      input.setAttribute('data-testid', 'parley-prechat-' + f.name)
      if (f.type === 'email' && this.visitor && this.visitor.email) input.value = this.visitor.email
      else if (f.name === 'name' && this.visitor && this.visitor.name) input.value = this.visitor.name
      const err = doc.createElement('span')
      err.className = 'err'
      err.id = id + '-err'
      err.setAttribute('aria-live', 'polite')
      input.setAttribute('aria-describedby', err.id)
      form.appendChild(label)
      form.appendChild(input)
      form.appendChild(err)
    }
    const b = doc.createElement('button')
    b.type = 'submit'
    b.className = 'btn'
    b.textContent = t.start
    b.setAttribute('data-testid', 'parley-prechat-submit')
    form.appendChild(b)
  }

  submitPrechat(): void {
    const site = this.site
    if (!site) return
    const fields = site.prechat || []
    const values: Record<string, string> = {}
    for (const f of fields) {
      const el = this.r.prechat.querySelector<HTMLInputElement>(`[name="${CSS.escape(f.name)}"]`)
      values[f.name] = el ? el.value : ''
    }
    const errors = validatePrechat(fields, values)
    let firstBad: HTMLInputElement | null = null
    for (const f of fields) {
      const el = this.r.prechat.querySelector<HTMLInputElement>(`[name="${CSS.escape(f.name)}"]`)
      const err = this.doc.getElementById('parley-pre-' + f.name + '-err')
      const e = errors[f.name]
      if (el) el.setAttribute('aria-invalid', e ? 'true' : 'false')
      if (err) err.textContent = e === 'required' ? this.t.required : e === 'email' ? this.t.badEmail : ''
      if (e && el && !firstBad) firstBad = el
    }
    if (firstBad) {
      firstBad.focus()
      return
    }
    this.interacted()
    this.prechatValues = cleanPrechat(fields, values)
    this.render()
    ;(this.r.input as HTMLTextAreaElement).focus()
    this.ensureConversation().catch(() => undefined)
  }

  async submitEmail(): Promise<void> {
    const input = this.r.email as HTMLInputElement
    const email = input.value.trim()
    if (!EMAIL_RE.test(email)) {
      this.r.emailNote.textContent = this.t.emailBad
      input.setAttribute('aria-invalid', 'true')
      input.focus()
      return
    }
    input.setAttribute('aria-invalid', 'false')
    this.interacted()
    try {
      this.visitor = await call<Visitor>('PATCH', '/widget/visitor', { email }, this.token)
      this.render()
    } catch (e) {
      this.r.emailNote.textContent = (e as Error).message
    }
  }

  pickStars(n: number): void {
    this.stars = n
    this.r.stars.querySelectorAll('button').forEach((b, i) => {
      b.classList.toggle('on', i < n)
      b.setAttribute('aria-pressed', i === n - 1 ? 'true' : 'false')
    })
    ;(this.r.rateSend as HTMLButtonElement).disabled = false
  }

  async submitRating(): Promise<void> {
    const c = this.conv
    if (!c || !this.stars) return
    const comment = (this.r.rateComment as HTMLTextAreaElement).value.trim()
    ;(this.r.rateSend as HTMLButtonElement).disabled = true
    try {
      const next = await call<Conversation>('POST', `/widget/conversations/${c.id}/rating`, { score: this.stars, comment: comment || undefined }, this.token)
      this.rated = true
      if (this.conv && this.conv.id === next.id) this.conv.rating = next.rating ?? this.stars
      this.render()
    } catch (e) {
      const err = e as ApiError
      if (err.status === 409) {
        this.rated = true
        if (this.conv) this.conv.rating = this.stars
        this.render()
      } else {
        this.r.rateNote.textContent = err.message
        ;(this.r.rateSend as HTMLButtonElement).disabled = false
      }
    }
  }

  ratedView(): void {
    const r = this.r
    r.stars.hidden = true
    r.rateComment.hidden = true
    r.rateSend.hidden = true
    r.rateTitle.textContent = this.t.rated
  }

  // ---- events -------------------------------------------------------------

  wire(): void {
    const r = this.r
    const input = r.input as HTMLTextAreaElement
    r.close.addEventListener('click', () => this.toHost({ type: MSG_CLOSE }))
    this.doc.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !this.closeImage()) this.toHost({ type: MSG_CLOSE })
    })
    r.lightboxClose.addEventListener('click', () => this.closeImage())
    r.lightbox.addEventListener('click', (e) => {
      if (e.target === r.lightbox) this.closeImage()
    })
    // Attachments: the button, drag and drop anywhere on the chat, pasting a picture.
    const picker = r.fileInput as HTMLInputElement
    r.attach.addEventListener('click', () => picker.click())
    picker.addEventListener('change', () => {
      this.attach(filesOf(picker))
      picker.value = ''
    })
    const frame = r.frame
    const dragging = (e: DragEvent) => !!e.dataTransfer && Array.from(e.dataTransfer.types || []).includes('Files')
    frame.addEventListener('dragover', (e) => {
      if (!dragging(e) || r.composer.hidden) return
      e.preventDefault()
      frame.classList.add('dropping')
    })
    frame.addEventListener('dragleave', (e) => {
      if (e.target === frame || !frame.contains(e.relatedTarget as Node | null)) frame.classList.remove('dropping')
    })
    frame.addEventListener('drop', (e) => {
      frame.classList.remove('dropping')
      if (!dragging(e)) return
      e.preventDefault()
      this.attach(filesOf(e.dataTransfer))
    })
    input.addEventListener('paste', (e) => {
      const files = filesOf(e.clipboardData)
      if (!files.length) return
      e.preventDefault()
      this.attach(files)
    })
    r.composer.addEventListener('submit', (e) => {
      e.preventDefault()
      const v = input.value
      input.value = ''
      this.autosize()
      this.send(v)
      input.focus()
    })
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault()
        r.composer.dispatchEvent(new Event('submit', { cancelable: true }))
      }
    })
    input.addEventListener('input', () => {
      this.autosize()
      this.onInput()
    })
    input.addEventListener('focus', () => this.interacted())
    r.prechat.addEventListener('submit', (e) => {
      e.preventDefault()
      this.submitPrechat()
    })
    r.emailForm.addEventListener('submit', (e) => {
      e.preventDefault()
      void this.submitEmail()
    })
    r.rateSend.addEventListener('click', () => void this.submitRating())
    r.earlier.addEventListener('click', () => void this.loadEarlier().catch(() => undefined))
  }

  autosize(): void {
    const input = this.r.input as HTMLTextAreaElement
    input.style.height = 'auto'
    input.style.height = Math.min(input.scrollHeight, 120) + 'px'
  }
}

/** Media URLs come from the server; only web URLs and paths ever reach src or href. */
function safeUrl(u: string | undefined): string {
  return u && /^(https?:\/\/|\/(?!\/))/i.test(u) ? u : ''
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
