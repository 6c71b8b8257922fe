import {
  acceptFromHost,
  MSG_ATTRIBUTES,
  MSG_CLOSE,
  MSG_ERROR,
  MSG_IDENTIFY,
  MSG_INIT,
  MSG_MESSAGE,
  MSG_READY,
  MSG_STORED,
  MSG_UNREAD,
  MSG_VISIBLE,
  type InitData,
  type ServerFrame,
} from '../protocol'
import { ApiError, call } from './api'
import { AttributeSync } from './attributes'
import { Delivery } from './delivery'
import { History } from './history'
import { pickStrings, type Strings } from './i18n'
import { newClientId, type Outbox } from './outbox'
import { cleanPrechat, EMAIL_RE, validatePrechat } from './prechat'
import { DeviceStore, fatalMessage, openSession } from './session'
import { Socket } from './socket'
import type { Message, MessageStore } from './store'
import type { Conversation, Page, Session, Site, Visitor } from './types'
import { filesOf, Uploads, type Limits } from './upload'
import { ChatView, type LogActions } from './view'

/**
 * The chat inside the frame, one instance per frame page: it holds the
 * chat's state and wires the host page, the session, the socket, the
 * outbox, the uploads and the view together.
 */
export class ChatApp {
  readonly view: ChatView
  hostOrigin: string | null = null
  init: InitData | null = null
  token: string | null = null
  identity: string | null = null
  visible = false
  site: Site | null = null
  visitor: Visitor | null = null
  conv: Conversation | null = null
  readonly history: History
  readonly delivery: Delivery
  readonly uploads: Uploads
  readonly device: DeviceStore
  /** Parley.setAttributes: kept until the session starts. */
  readonly attributes: AttributeSync
  socket: Socket
  agentReadSeq = 0
  unread = 0
  prechatValues: Record<string, string> | null = null
  rated = false
  /** The visitor's conversations while the list is shown (null: hidden). */
  conversations: Conversation[] | null = null
  /** The next message starts another conversation (New conversation). */
  startNew = false
  private sessionStarting = false
  /** The largest upload of each kind, from the session. */
  limits: Limits | null = null
  private opening: Promise<void> | null = null
  private typingTimer: ReturnType<typeof setTimeout> | null = null
  private typingSentAt = 0
  private connectedOnce = false
  private wantSocket = false
  private stars = 0
  private readonly actions: LogActions = {
    openImage: (url, name) => this.view.openImage(url, name),
    remove: (id) => {
      this.uploads.remove(id)
      this.save()
      this.render()
    },
    retry: (id) => {
      this.outbox.retry(id)
      this.render()
      this.flush()
    },
  }

  constructor(
    readonly doc: Document,
    readonly win: Window,
  ) {
    this.view = new ChatView(doc, pickStrings(win.navigator?.language).t)
    this.device = new DeviceStore(() => this.win.localStorage, () => 'parley:v1:' + (this.init ? this.init.siteKey : ''))
    this.attributes = new AttributeSync({
      ready: () => !!this.site && !!this.token,
      patch: (attributes) => call<Visitor>('PATCH', '/widget/visitor', { attributes }, this.token),
      done: (id, err) =>
        this.toHost(err ? { type: MSG_STORED, id, error: { code: err.code, message: err.message, details: err.details } } : { type: MSG_STORED, id }),
    })
    this.history = new History((id, query) => call<Page>('GET', `/widget/conversations/${id}/messages?${query}`, undefined, this.token))
    this.delivery = new Delivery({
      ready: () => !!this.site,
      conversationId: () => (this.conv ? this.conv.id : null),
      openConversation: () => this.ensureConversation(),
      socket: () => this.socket,
      post: (id, body) => call<Message>('POST', `/widget/conversations/${id}/messages`, body, this.token),
      confirmed: (m) => this.store.add(m),
      changed: () => {
        this.save()
        this.render()
      },
    })
    this.uploads = new Uploads(this.outbox, {
      token: () => this.token,
      limits: () => this.limits,
      t: () => this.t,
      progress: (id, fraction, uploading) => this.view.progress(id, fraction, uploading),
      uploaded: () => {
        this.save()
        this.render()
        this.flush()
      },
      changed: () => {
        this.save()
        this.render()
      },
    })
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

  get t(): Strings {
    return this.view.t
  }

  get store(): MessageStore {
    return this.history.store
  }

  get outbox(): Outbox {
    return this.delivery.outbox
  }

  showNotice(text: string): void {
    this.view.showNotice(text)
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
      // Before the chat is opened only an existing visitor is resumed.
      void this.runSession(true, !this.site && !this.visible)
    } else if (m.type === MSG_ATTRIBUTES && typeof m.id === 'number' && m.attributes && typeof m.attributes === 'object') {
      this.attributes.set(m.id, m.attributes as Record<string, unknown>)
    }
  }

  toHost(msg: object): void {
    if (this.hostOrigin && this.win.parent !== this.win) this.win.parent.postMessage(msg, this.hostOrigin)
  }

  // ---- start and session ----------------------------------------------------

  async start(init: InitData): Promise<void> {
    this.init = init
    const { lang, t } = pickStrings(init.locale)
    this.view.t = t
    this.doc.documentElement.lang = lang
    this.view.labels((n) => this.pickStars(n))
    const saved = this.device.load()
    this.token = typeof saved.token === 'string' ? saved.token : null
    this.outbox.load(saved.outbox)
    this.identity = init.identityToken || null
    // A page view creates nothing: a returning visitor is resumed, a new
    // one starts when they open the chat (setVisible).
    if (this.token || this.identity) await this.runSession(false, true)
    else this.toHost({ type: MSG_READY })
    if (init.open) this.setVisible(true)
  }

  /**
   * POST /widget/session: when the chat opens (or at start to resume a
   * returning visitor), again after identify or a reconnect. With resume
   * the server never creates a visitor.
   */
  async runSession(reset: boolean, resume = false): Promise<void> {
    const init = this.init
    if (!init) return
    let s: Session
    this.sessionStarting = true
    try {
      const r = await openSession(init, { token: this.token, identity: this.identity, resume })
      s = r.session
      this.identity = r.identity
      this.sessionStarting = false
    } catch (e) {
      this.sessionStarting = false
      const err = e as ApiError
      if (resume && err.status === 401 && !this.site) {
        // Nothing to resume: a new visitor starts when the chat opens.
        this.token = null
        this.toHost({ type: MSG_READY })
        if (this.visible) void this.runSession(false)
        return
      }
      // A refresh that failed keeps what we have: the socket retries anyway.
      if (!this.site) {
        const err = e as ApiError
        this.toHost({ type: MSG_ERROR, code: err.code, message: fatalMessage(err, this.hostOrigin) })
        this.view.showNotice(this.t.error)
      }
      return
    }
    const first = !this.site
    this.token = s.visitor_token
    this.visitor = s.visitor
    this.site = s.site
    this.limits = s.uploads || null
    this.save()
    // Attributes the page set before the session started go now.
    void this.attributes.flush()
    if (first) this.toHost({ type: MSG_READY, color: s.site.color })
    this.view.applySite(s.site)
    this.view.r.convsBtn.hidden = false
    // The conversation the visitor is looking at stays, unless they changed.
    const keep = !reset && (this.conv || this.startNew)
    await this.setConversation(keep ? this.conv : s.conversation, reset)
  }

  // ---- several conversations --------------------------------------------------

  /** Shows or hides the list of the visitor's conversations. */
  async toggleConversations(): Promise<void> {
    if (this.conversations) {
      this.conversations = null
      this.render()
      return
    }
    await this.refreshConversations(true)
  }

  /** Re-reads the list (shown, or when show). */
  async refreshConversations(show = false): Promise<void> {
    if (!this.token || (!show && !this.conversations)) return
    try {
      const page = await call<{ items: Conversation[] }>('GET', '/widget/conversations?limit=50', undefined, this.token)
      this.conversations = page.items || []
      this.render()
    } catch {
      // The list stays as it was.
    }
  }

  /** Opens one conversation of the list. */
  pickConversation(c: Conversation): void {
    this.conversations = null
    this.startNew = false
    void this.setConversation(c, false)
  }

  /** New conversation: the next message opens another one. */
  newConversation(): void {
    this.conversations = null
    this.startNew = true
    this.prechatValues = null
    void this.setConversation(null, false)
    if (!this.view.composerHidden) this.view.input.focus()
  }

  async setConversation(c: Conversation | null, reload: boolean): Promise<void> {
    const changed = !this.conv || !c || this.conv.id !== c.id
    if (c && this.conv && this.conv.id === c.id && c.queue_position == null && c.status === 'queued') {
      c.queue_position = this.conv.queue_position
    }
    this.conv = c
    if (c && c.status !== 'resolved') this.rated = false
    if (changed || reload) {
      this.history.reset()
      this.agentReadSeq = 0
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
      if (await this.history.latest(c.id, () => this.conv === c)) this.dropConfirmed()
    } catch {
      // The socket's catch-up fetches it once connected.
    }
  }

  async loadEarlier(): Promise<void> {
    const c = this.conv
    if (!c) return
    // Draw once the page is in, keeping the reading position.
    if (await this.history.earlier(c.id, () => this.conv === c)) this.view.keepPosition(() => this.render(false))
  }

  /** Fetches everything after the last message known in order. */
  async catchUp(): Promise<Message[]> {
    const c = this.conv
    if (!c) return []
    const out = await this.history.catchUp(c.id, () => this.conv === c)
    if (this.conv === c) this.dropConfirmed()
    return out
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

  onFrame(f: ServerFrame): void {
    const c = this.conv
    switch (f.type) {
      case 'ack': {
        const m: Message | undefined = f.message
        if (typeof f.client_msg_id === 'string') this.delivery.acked(f.client_msg_id, m)
        break
      }
      case 'error': {
        this.delivery.refused(f.client_msg_id, f.code, f.message)
        break
      }
      case 'message': {
        const m: Message = f.message
        if (!m) return
        if (!c || m.conversation_id !== c.id) {
          // Another of the visitor's conversations: counted, and listed.
          this.noticeIncoming(m)
          void this.refreshConversations()
          return
        }
        if (m.client_msg_id && this.outbox.get(m.client_msg_id)) this.delivery.acked(m.client_msg_id, m)
        const { added, gap } = this.history.received(m)
        if (added) {
          if (m.sender && m.sender.kind === 'user') this.view.hideTyping()
          this.noticeIncoming(m)
          this.markRead()
          this.render()
        }
        // A gap may be notes (never shown) or a missed message: ask once, take what comes.
        if (gap) void this.catchUp().then((ms) => ms.length && this.render(), () => undefined)
        break
      }
      case 'typing': {
        const from = f.from
        if (!c || f.conversation_id !== c.id || !from || from.kind !== 'user') return
        if (f.state === 'start') this.view.showTyping(from.name || '')
        else this.view.hideTyping()
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
        if (!c || next.id !== c.id) {
          void this.refreshConversations()
          return
        }
        // Not in the AsyncAPI document (the conversation carries it); read in case a frame has it.
        if ('queue_position' in f && typeof f.queue_position === 'number') next.queue_position = f.queue_position
        void this.setConversation(next, false)
        break
      }
    }
  }

  /** Pending messages whose copy came back (e.g. with history) are done. */
  dropConfirmed(): void {
    this.delivery.dropConfirmed((id) => this.store.hasClientId(id))
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
    if (!files.length || this.view.composerHidden) return
    this.interacted()
    this.view.showAttachError(this.uploads.add(files))
    this.render()
    this.flush()
  }

  /** Opens the conversation on the first message (or after the pre-chat form). */
  ensureConversation(): Promise<void> {
    if (this.conv) return Promise.resolve() // a resolved chat reopens when the visitor writes
    if (!this.opening) {
      const body: Record<string, unknown> = {}
      if (this.startNew) body.new = true
      if (this.prechatValues && Object.keys(this.prechatValues).length) body.prechat = this.prechatValues
      this.opening = call<{ conversation: Conversation; queue_position?: number | null }>('POST', '/widget/conversations', body, this.token)
        .then(async (r) => {
          if (r.queue_position != null) r.conversation.queue_position = r.queue_position
          this.startNew = false
          await this.setConversation(r.conversation, false)
        })
        .finally(() => {
          this.opening = null
        })
    }
    return this.opening
  }

  flush(): void {
    this.delivery.flush()
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

  // ---- visibility and storage ---------------------------------------------

  setVisible(open: boolean): void {
    this.visible = open
    if (!open) return
    // Opening the chat is when a new visitor's session starts.
    if (!this.site && !this.sessionStarting && this.init) void this.runSession(false)
    this.interacted()
    if (this.unread) {
      this.unread = 0
      this.toHost({ type: MSG_UNREAD, count: 0 })
    }
    this.markRead()
    const input = this.view.input
    if (!this.view.composerHidden) setTimeout(() => input.focus(), 0)
  }

  /** The first open or send: only now may the widget keep anything on the device. */
  interacted(): void {
    if (this.device.persisted) return
    this.device.persisted = true
    this.save()
  }

  save(): void {
    this.device.save(this.token, this.outbox.dump())
  }

  // ---- rendering ----------------------------------------------------------

  get offline(): boolean {
    return !!this.site && (!this.site.online || !this.site.open)
  }

  renderBanner(): void {
    this.view.showBanner(this.wantSocket && !this.socket.open && this.connectedOnce)
  }

  render(stick = true): void {
    const { site, conv } = this
    if (!site) return
    const fields = site.prechat || []
    this.view.render(
      {
        site,
        visitor: this.visitor,
        conv,
        offline: this.offline,
        hasEarlier: this.history.hasEarlier,
        needForm: !conv && fields.length > 0 && !this.prechatValues && !this.outbox.items.length,
        rate: !!conv && conv.status === 'resolved' && (conv.rating == null || this.rated),
        rated: this.rated,
        messages: this.store.list(),
        pending: this.outbox.items,
        agentReadSeq: this.agentReadSeq,
      },
      this.actions,
      stick,
    )
    if (this.conversations || !this.view.r.convs.hidden) {
      this.view.showConversations(this.conversations, (c) => this.pickConversation(c))
    }
    this.renderBanner()
  }

  submitPrechat(): void {
    const site = this.site
    if (!site) return
    const fields = site.prechat || []
    const values = this.view.prechatValues(fields)
    if (!this.view.prechatErrors(fields, validatePrechat(fields, values))) return
    this.interacted()
    this.prechatValues = cleanPrechat(fields, values)
    this.render()
    this.view.input.focus()
    this.ensureConversation().catch(() => undefined)
  }

  async submitEmail(): Promise<void> {
    const email = this.view.emailValue((v) => EMAIL_RE.test(v))
    if (email == null) return
    this.interacted()
    try {
      this.visitor = await call<Visitor>('PATCH', '/widget/visitor', { email }, this.token)
      this.render()
    } catch (e) {
      this.view.emailNote((e as Error).message)
    }
  }

  pickStars(n: number): void {
    this.stars = n
    this.view.pickStars(n)
  }

  async submitRating(): Promise<void> {
    const c = this.conv
    if (!c || !this.stars) return
    const comment = this.view.ratingComment
    this.view.ratingBusy(true)
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
        this.view.ratingNote(err.message)
        this.view.ratingBusy(false)
      }
    }
  }

  /** The visitor asks for a person while a bot answers. */
  async askForPerson(): Promise<void> {
    const c = this.conv
    if (!c || c.status !== 'bot') return
    this.interacted()
    ;(this.view.r.handoff as HTMLButtonElement).disabled = true
    try {
      const next = await call<Conversation>('POST', `/widget/conversations/${c.id}/handoff`, undefined, this.token)
      if (this.conv && this.conv.id === next.id) this.conv = { ...this.conv, ...next }
    } catch {
      // Left as it was: the button is there to press again.
    }
    this.render()
  }

  // ---- events -------------------------------------------------------------

  wire(): void {
    const r = this.view.r
    const input = this.view.input
    r.close.addEventListener('click', () => this.toHost({ type: MSG_CLOSE }))
    r.convsBtn.addEventListener('click', () => void this.toggleConversations())
    r.newConv.addEventListener('click', () => this.newConversation())
    this.doc.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !this.view.closeImage()) this.toHost({ type: MSG_CLOSE })
    })
    r.lightboxClose.addEventListener('click', () => this.view.closeImage())
    r.lightbox.addEventListener('click', (e) => {
      if (e.target === r.lightbox) this.view.closeImage()
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
      this.view.autosize()
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
      this.view.autosize()
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
    r.handoff.addEventListener('click', () => void this.askForPerson())
    r.earlier.addEventListener('click', () => void this.loadEarlier().catch(() => undefined))
  }
}
