import { fmt, systemText, type Strings } from './i18n'
import { renderText } from './links'
import type { Pending } from './outbox'
import type { PrechatField } from './prechat'
import type { Message } from './store'
import type { Conversation, Site, Visitor } from './types'
import { humanSize, type Attachment } from './upload'

/** The font stacks a site may choose (a setting is a name, never CSS). */
export const FONTS: Record<string, string> = {
  system: "system-ui, -apple-system, 'Segoe UI', Roboto, 'PingFang SC', 'Microsoft YaHei', sans-serif",
  sans: "'Helvetica Neue', Arial, 'Noto Sans', 'PingFang SC', 'Microsoft YaHei', sans-serif",
  serif: "Georgia, 'Times New Roman', 'Noto Serif', 'Songti SC', serif",
  rounded: "ui-rounded, 'SF Pro Rounded', 'Nunito', 'Varela Round', system-ui, sans-serif",
  mono: "ui-monospace, 'SFMono-Regular', Menlo, Consolas, 'Liberation Mono', monospace",
}

// How the chat looks: everything that reads or writes the frame page's DOM
// (frame.html's [data-ref] elements). It keeps no chat state of its own;
// the chat hands it what to draw and the actions its buttons call.

export type Refs = Record<string, HTMLElement>

export function refs(doc: Document): Refs {
  const out: Refs = {}
  doc.querySelectorAll<HTMLElement>('[data-ref]').forEach((el) => {
    out[el.getAttribute('data-ref') as string] = el
  })
  return out
}

/** Media URLs come from the server; only web URLs and paths ever reach src or href. */
export function safeUrl(u: string | undefined): string {
  return u && /^(https?:\/\/|\/(?!\/))/i.test(u) ? u : ''
}

/** The line under the log while the visitor waits in the queue. */
export function queueText(position: number | null | undefined, t: Strings): string {
  return position == null ? t.waiting : position <= 1 ? t.queueNext : fmt(t.queue, { n: position })
}

/** What the chat shows; render() draws it. */
export interface ChatState {
  site: Site
  visitor: Visitor | null
  conv: Conversation | null
  offline: boolean
  hasEarlier: boolean
  /** The pre-chat form stands in for the composer. */
  needForm: boolean
  /** The rating form (or its thanks) is shown. */
  rate: boolean
  rated: boolean
  messages: Message[]
  pending: Pending[]
  agentReadSeq: number
}

/** What the buttons drawn in the log do. */
export interface LogActions {
  openImage(url: string, name: string): void
  /** A refused upload the visitor gives up on. */
  remove(clientMsgId: string): void
  /** A failed send tried again. */
  retry(clientMsgId: string): void
}

export class ChatView {
  readonly r: Refs
  t: Strings
  private agentTypingTimer: ReturnType<typeof setTimeout> | null = null

  constructor(
    readonly doc: Document,
    t: Strings,
  ) {
    this.r = refs(doc)
    this.t = t
  }

  get input(): HTMLTextAreaElement {
    return this.r.input as HTMLTextAreaElement
  }

  /** The composer is hidden (pre-chat form, or a notice instead of the chat). */
  get composerHidden(): boolean {
    return this.r.composer.hidden
  }

  /** Every fixed text in the visitor's language; the stars call onStar(n). */
  labels(onStar: (n: number) => void): void {
    const t = this.t
    const r = this.r
    r.title.textContent = t.title
    r.convsBtn.setAttribute('aria-label', t.conversations)
    r.convsTitle.textContent = t.conversations
    r.newConv.textContent = t.newConversation
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
    r.handoff.textContent = t.talkToPerson
    r.inputLabel.textContent = t.placeholder
    this.input.placeholder = t.placeholder
    r.send.setAttribute('aria-label', t.send)
    r.attach.setAttribute('aria-label', t.attach)
    r.lightboxClose.setAttribute('aria-label', t.closeImage)
    r.logRegion.setAttribute('aria-label', t.log)
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
      b.addEventListener('click', () => onStar(n))
      stars.appendChild(b)
    }
  }

  showNotice(text: string): void {
    this.r.notice.textContent = text
    this.r.notice.hidden = false
    this.r.composer.hidden = true
    this.r.prechat.hidden = true
  }

  applySite(s: Site): void {
    const color = /^#[0-9a-fA-F]{6}$/.test(s.color) ? s.color : '#4f46e5'
    this.doc.documentElement.style.setProperty('--c', color)
    this.r.title.textContent = s.name || this.t.title
    this.r.mark.textContent = (s.name || 'P').trim().charAt(0).toUpperCase() || 'P'
    this.r.greeting.textContent = s.greeting || ''
    this.r.greeting.hidden = !s.greeting
    this.doc.documentElement.style.setProperty('--font', FONTS[s.font_family || 'system'] || FONTS.system)
  }

  /** Shows the visitor's conversations (or hides the list when items is null). */
  showConversations(items: Conversation[] | null, pick: (c: Conversation) => void): void {
    const r = this.r
    r.convs.hidden = !items
    r.convsBtn.setAttribute('aria-expanded', items ? 'true' : 'false')
    r.log.hidden = !!items
    r.greeting.hidden = !!items || !r.greeting.textContent
    r.convList.textContent = ''
    for (const c of items || []) {
      const li = this.doc.createElement('li')
      const b = this.doc.createElement('button')
      b.type = 'button'
      b.className = 'convs__item'
      b.setAttribute('data-testid', 'parley-conversation')
      b.setAttribute('data-conversation-id', String(c.id))
      const meta = this.doc.createElement('span')
      meta.className = 'convs__meta'
      meta.textContent = `${fmt(this.t.convNumber, { n: c.id })} · ${c.status === 'resolved' ? this.t.convResolved : this.t.convOpen}`
      const last = this.doc.createElement('span')
      last.className = 'convs__last'
      last.textContent = (c.last_message && c.last_message.body) || this.t.convEmpty
      b.append(meta, last)
      b.addEventListener('click', () => pick(c))
      li.appendChild(b)
      r.convList.appendChild(li)
    }
  }

  showBanner(show: boolean): void {
    this.r.banner.hidden = !show
  }

  showAttachError(text: string): void {
    this.r.attachErr.textContent = text
    this.r.attachErr.hidden = !text
  }

  /** Draws the whole chat; keeps the log at the bottom if it was there and stick is set. */
  render(s: ChatState, actions: LogActions, stick = true): void {
    const { r, t } = this
    const body = r.body
    const atBottom = body.scrollHeight - body.scrollTop - body.clientHeight < 40
    r.subtitle.textContent = s.offline ? t.away : t.online
    r.earlier.hidden = !s.hasEarlier

    // Away message and e-mail capture while nobody can answer.
    r.away.hidden = !s.offline
    r.awayMsg.textContent = s.site.away_message || t.away
    const email = s.visitor && s.visitor.email
    r.emailForm.hidden = !!email
    if (email) r.emailNote.textContent = fmt(t.emailSaved, { email })

    // Pre-chat form before the first message, then the composer.
    if (s.needForm && r.prechat.hidden) this.buildPrechat(s.site.prechat || [], s.visitor)
    r.prechat.hidden = !s.needForm
    r.composer.hidden = s.needForm

    this.renderLog(s.messages, s.pending, s.agentReadSeq, actions)

    // Queue position while waiting.
    const q = !!s.conv && s.conv.status === 'queued'
    r.queue.hidden = !q
    if (q && s.conv) r.queue.textContent = queueText(s.conv.queue_position, t)

    // While a bot answers, the visitor may ask for a person.
    r.handoffRow.hidden = !(s.conv && s.conv.status === 'bot')
    ;(r.handoff as HTMLButtonElement).disabled = false

    // Rating once resolved.
    r.rating.hidden = !s.rate
    if (s.rate && s.conv && s.conv.rating != null && s.rated) this.ratedView()
    if (stick && atBottom) body.scrollTop = body.scrollHeight
  }

  /** Keeps the reading position while earlier messages are drawn above. */
  keepPosition(draw: () => void): void {
    const body = this.r.body
    const h = body.scrollHeight
    draw()
    body.scrollTop += body.scrollHeight - h
  }

  renderLog(list: Message[], pending: Pending[], agentReadSeq: number, actions: LogActions): void {
    const { doc, t } = this
    const log = this.r.log
    log.textContent = ''
    let lastMine: Message | null = null
    for (const m of list) if (m.sender && m.sender.kind === 'visitor') lastMine = m
    for (const m of list) {
      const li = doc.createElement('li')
      li.setAttribute('data-testid', 'parley-message')
      li.setAttribute('data-seq', String(m.seq))
      // A site's automated reply reads as the site's message; other
      // messages of Parley's own are system lines.
      if (m.kind === 'system' || (m.sender && m.sender.kind === 'system' && !m.automated)) {
        li.className = 'msg sys'
        renderText(doc, li, systemText(t, m.body || '', m.event))
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
        if (m.attachment) wrap.appendChild(this.attachmentView(m.attachment, actions.openImage))
        if (m.body || !m.attachment) {
          const bubble = doc.createElement('p')
          bubble.className = 'bubble'
          bubble.setAttribute('data-testid', 'parley-message-body')
          renderText(doc, bubble, m.body || '')
          wrap.appendChild(bubble)
        }
        if (m === lastMine && agentReadSeq >= m.seq) {
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
    for (const p of pending) log.appendChild(this.pendingView(p, actions))
  }

  /** A message on its way: sending, uploading with a bar, or failed with what to do about it. */
  pendingView(p: Pending, actions: LogActions): HTMLElement {
    const { doc, t } = this
    const li = doc.createElement('li')
    li.className = 'msg mine pending'
    li.setAttribute('data-testid', 'parley-message')
    li.setAttribute('data-pending', p.state)
    li.setAttribute('data-client-id', p.client_msg_id)
    const wrap = doc.createElement('div')
    wrap.className = 'bubble-wrap'
    if (p.file) {
      wrap.appendChild(p.attachment ? this.attachmentView(p.attachment, actions.openImage) : this.uploadView(p.file.name, p.file.size, p.progress || 0))
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
      b.addEventListener('click', () => actions.remove(p.client_msg_id))
      wrap.appendChild(e)
      wrap.appendChild(b)
    } else if (p.state === 'failed') {
      const b = doc.createElement('button')
      b.type = 'button'
      b.className = 'status failed'
      b.textContent = t.failed
      b.title = p.error || ''
      b.addEventListener('click', () => actions.retry(p.client_msg_id))
      wrap.appendChild(b)
    } else {
      const s = doc.createElement('span')
      s.className = 'status'
      s.textContent = p.state === 'uploading' ? fmt(t.uploading, { n: Math.round((p.progress || 0) * 100) }) : t.sending
      wrap.appendChild(s)
    }
    li.appendChild(wrap)
    return li
  }

  /** A picture as a thumbnail that opens large; anything else as a download link with its name and size. */
  attachmentView(a: Attachment, openImage: (url: string, name: string) => void): HTMLElement {
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
      b.addEventListener('click', () => openImage(url, a.name))
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

  /** Moves one progress bar without drawing the whole log again. */
  progress(clientMsgId: string, fraction: number, uploading: boolean): void {
    const log = this.r.log
    const bar = log.querySelector<HTMLProgressElement>(`[data-client-id="${clientMsgId}"] progress`)
    if (bar) bar.value = fraction
    const label = log.querySelector(`[data-client-id="${clientMsgId}"] .status`)
    if (label && uploading) label.textContent = fmt(this.t.uploading, { n: Math.round(fraction * 100) })
  }

  openImage(url: string, name: string): void {
    const img = this.r.lightboxImg as HTMLImageElement
    img.src = url
    img.alt = name
    this.r.lightbox.hidden = false
    this.r.lightboxClose.focus()
  }

  /** Closes the enlarged picture; false when none was open. */
  closeImage(): boolean {
    if (this.r.lightbox.hidden) return false
    this.r.lightbox.hidden = true
    ;(this.r.lightboxImg as HTMLImageElement).removeAttribute('src')
    return true
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

  buildPrechat(fields: PrechatField[], visitor: Visitor | null): void {
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
      if (f.type === 'email' && visitor && visitor.email) input.value = visitor.email
      else if (f.name === 'name' && visitor && visitor.name) input.value = visitor.name
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

  private prechatInput(name: string): HTMLInputElement | null {
    return this.r.prechat.querySelector<HTMLInputElement>(`[name="${CSS.escape(name)}"]`)
  }

  /** What the visitor typed into the pre-chat form, by field name. */
  prechatValues(fields: PrechatField[]): Record<string, string> {
    const values: Record<string, string> = {}
    for (const f of fields) {
      const el = this.prechatInput(f.name)
      values[f.name] = el ? el.value : ''
    }
    return values
  }

  /** Marks the fields in error and focuses the first; false when there was one. */
  prechatErrors(fields: PrechatField[], errors: Record<string, string>): boolean {
    let firstBad: HTMLInputElement | null = null
    for (const f of fields) {
      const el = this.prechatInput(f.name)
      const err = this.doc.getElementById('parley-pre-' + f.name + '-err')
      const e = errors[f.name]
      if (el) el.setAttribute('aria-invalid', e ? 'true' : 'false')
      if (err) err.textContent = e === 'required' ? this.t.required : e === 'email' ? this.t.badEmail : ''
      if (e && el && !firstBad) firstBad = el
    }
    if (firstBad) firstBad.focus()
    return !firstBad
  }

  /** The e-mail the visitor left while nobody was online, or null (and a hint) when it is not one. */
  emailValue(valid: (email: string) => boolean): string | null {
    const input = this.r.email as HTMLInputElement
    const email = input.value.trim()
    if (!valid(email)) {
      this.r.emailNote.textContent = this.t.emailBad
      input.setAttribute('aria-invalid', 'true')
      input.focus()
      return null
    }
    input.setAttribute('aria-invalid', 'false')
    return email
  }

  emailNote(text: string): void {
    this.r.emailNote.textContent = text
  }

  pickStars(n: number): void {
    this.r.stars.querySelectorAll('button').forEach((b, i) => {
      b.classList.toggle('on', i < n)
      b.setAttribute('aria-pressed', i === n - 1 ? 'true' : 'false')
    })
    ;(this.r.rateSend as HTMLButtonElement).disabled = false
  }

  get ratingComment(): string {
    return (this.r.rateComment as HTMLTextAreaElement).value.trim()
  }

  ratingBusy(busy: boolean): void {
    ;(this.r.rateSend as HTMLButtonElement).disabled = busy
  }

  ratingNote(text: string): void {
    this.r.rateNote.textContent = text
  }

  ratedView(): void {
    const r = this.r
    r.stars.hidden = true
    r.rateComment.hidden = true
    r.rateSend.hidden = true
    r.rateTitle.textContent = this.t.rated
  }

  autosize(): void {
    const input = this.input
    input.style.height = 'auto'
    input.style.height = Math.min(input.scrollHeight, 120) + 'px'
  }
}
