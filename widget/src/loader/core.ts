import {
  asWidgetMessage,
  MSG_CLOSE,
  MSG_ATTRIBUTES,
  MSG_ERROR,
  MSG_IDENTIFY,
  MSG_INIT,
  MSG_MESSAGE,
  MSG_READY,
  MSG_STORED,
  MSG_UNREAD,
  MSG_VISIBLE,
  type InitData,
} from '../protocol'
import { CSS } from './styles'

/** What the loader learns from its own <script> tag. */
export interface LoaderConfig {
  siteKey: string
  /** The Parley server's origin, e.g. https://chat.example.com */
  origin: string
  /** data-locale, e.g. zh-CN (empty: the browser's). */
  locale?: string
  /** data-position: right (default) or left. */
  position?: 'right' | 'left'
  /** data-position="right" was given: the site's setting does not move it. */
  pinned?: boolean
}

/** window.Parley, the host page's API. */
export interface ParleyApi {
  open(): void
  close(): void
  toggle(): void
  /** Subscribes to widget events: 'message' (a new message from an agent). */
  on(name: string, fn: (data: unknown) => void): void
  /** Signs the visitor in with an identity token signed by the host's backend. */
  identify(token: string): void
  /**
   * Stores attributes of the visitor for the agents (plan, order id…).
   * Kept until the visitor's session starts (a page view creates nothing);
   * resolves once stored, rejects with the server's error.
   */
  setAttributes(attributes: Record<string, unknown>): Promise<void>
}

/** The server's rules for attributes: keys, how many, values. */
export const ATTRIBUTE_KEY = /^[a-z][a-z0-9_]{0,39}$/
export const MAX_ATTRIBUTES = 50
export const MAX_ATTRIBUTE_CHARS = 500

/** An error the server (or the check before it) gave setAttributes. */
export interface AttributeError extends Error {
  code: string
  details?: Record<string, string>
}

function attributeError(code: string, message: string, details?: Record<string, string>): AttributeError {
  return Object.assign(new Error(message), { code, details })
}

/**
 * Checks attributes as the server will: an empty list when they are fine,
 * otherwise one problem per line, each naming its key.
 */
export function attributeProblems(attrs: unknown): string[] {
  if (!attrs || typeof attrs !== 'object' || Array.isArray(attrs)) return ['setAttributes() takes an object of key: value']
  const keys = Object.keys(attrs)
  const out: string[] = []
  if (keys.length > MAX_ATTRIBUTES) out.push(`at most ${MAX_ATTRIBUTES} attributes at once (got ${keys.length})`)
  for (const k of keys) {
    const v = (attrs as Record<string, unknown>)[k]
    if (!ATTRIBUTE_KEY.test(k)) out.push(`"${k}": keys are a lower-case letter, then up to 39 lower-case letters, digits or _`)
    else if (typeof v === 'string' ? [...v].length > MAX_ATTRIBUTE_CHARS : v !== null && typeof v !== 'boolean' && !(typeof v === 'number' && isFinite(v)))
      out.push(`"${k}": values are strings of at most ${MAX_ATTRIBUTE_CHARS} characters, numbers, true, false or null`)
  }
  return out
}

export const HOST_ID = 'parley-widget'
/** How long the frame has to answer before the launcher gives up and hides. */
export const HANDSHAKE_MS = 15000

/** The origin of the server that served the script (its src). */
export function originFromSrc(src: string, base: string): string | null {
  try {
    const u = new URL(src, base)
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null
  } catch {
    return null
  }
}

/**
 * Reads data-site and the origin from the loader's script tag. Async scripts
 * still see document.currentScript while they run; the selector fallback
 * covers pages that copy the tag in some other way.
 */
export function readConfig(script: HTMLScriptElement | null, doc: Document): LoaderConfig | null {
  const el =
    script && script.getAttribute('data-site') !== null
      ? script
      : doc.querySelector<HTMLScriptElement>('script[data-site][src*="widget.js"]')
  if (!el) return null
  const siteKey = (el.getAttribute('data-site') || '').trim()
  const origin = originFromSrc(el.getAttribute('src') || '', doc.baseURI)
  if (!siteKey || !origin) return null
  const cfg: LoaderConfig = { siteKey, origin }
  const locale = (el.getAttribute('data-locale') || '').trim()
  if (locale) cfg.locale = locale
  const pos = (el.getAttribute('data-position') || '').trim().toLowerCase()
  if (pos === 'left') cfg.position = 'left'
  else if (pos === 'right') cfg.pinned = true
  return cfg
}

export function frameUrl(cfg: LoaderConfig): string {
  return `${cfg.origin}/widget/frame.html?site=${encodeURIComponent(cfg.siteKey)}`
}

const ICONS: Array<[string, string]> = [
  ['i-open', 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z'],
  ['i-close', 'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z'],
]

/** Built with DOM calls, not innerHTML, so pages enforcing Trusted Types accept it. */
function icon(doc: Document, cls: string, d: string): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg'
  const svg = doc.createElementNS(ns, 'svg')
  svg.setAttribute('class', cls)
  svg.setAttribute('viewBox', '0 0 24 24')
  svg.setAttribute('aria-hidden', 'true')
  const path = doc.createElementNS(ns, 'path')
  path.setAttribute('d', d)
  svg.appendChild(path)
  return svg
}

function applyStyles(root: ShadowRoot, win: Window): void {
  // Constructed stylesheets are not inline <style>, so a strict host CSP
  // (style-src without 'unsafe-inline') does not block them.
  const Sheet = (win as unknown as { CSSStyleSheet?: typeof CSSStyleSheet }).CSSStyleSheet
  if (Sheet && 'adoptedStyleSheets' in root && 'replaceSync' in Sheet.prototype) {
    try {
      const sheet = new Sheet()
      sheet.replaceSync(CSS)
      root.adoptedStyleSheets = [sheet]
      return
    } catch {
      // Fall through to a <style> element.
    }
  }
  const style = root.ownerDocument.createElement('style')
  style.textContent = CSS
  root.appendChild(style)
}

/** A short, quiet two-tone beep with WebAudio (no audio file to load). */
export function beep(win: Window): void {
  try {
    const AC = (win as unknown as { AudioContext?: typeof AudioContext; webkitAudioContext?: typeof AudioContext })
    const Ctor = AC.AudioContext || AC.webkitAudioContext
    if (!Ctor) return
    const ctx = new Ctor()
    const o = ctx.createOscillator()
    const g = ctx.createGain()
    o.connect(g)
    g.connect(ctx.destination)
    o.frequency.setValueAtTime(880, ctx.currentTime)
    o.frequency.setValueAtTime(660, ctx.currentTime + 0.09)
    g.gain.setValueAtTime(0.0001, ctx.currentTime)
    g.gain.exponentialRampToValueAtTime(0.08, ctx.currentTime + 0.02)
    g.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.22)
    o.start()
    o.stop(ctx.currentTime + 0.24)
    o.onended = () => void ctx.close()
  } catch {
    // No sound is fine.
  }
}

/** The widget on one host page: launcher, frame and the public API. */
export class Widget {
  readonly host: HTMLElement
  readonly root: ShadowRoot
  readonly launcher: HTMLButtonElement
  readonly badge: HTMLSpanElement
  frame: HTMLIFrameElement | null = null
  readonly listeners: Array<{ name: string; fn: (data: unknown) => void }> = []
  identityToken: string | null = null
  /** The frame answered (ready or error). */
  answered = false
  /** The widget gave up (the site refused or Parley is unreachable). */
  failed = false
  readonly api: ParleyApi
  private frameLoaded = false
  /** setAttributes calls waiting for the frame to answer, then for the frame to store them. */
  private attrSeq = 0
  private readonly attrWaiting: Array<{ type: string; id: number; attributes: Record<string, unknown> }> = []
  private readonly attrPending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>()
  private timer: ReturnType<typeof setTimeout> | null = null

  constructor(
    readonly cfg: LoaderConfig,
    private readonly doc: Document,
    private readonly win: Window,
  ) {
    const host = doc.createElement('div')
    host.id = HOST_ID
    const side = cfg.position === 'left' ? 'left' : 'right'
    // Fixed and zero-sized: the host page's layout never moves.
    host.style.cssText = `position:fixed;${side}:0;bottom:0;width:0;height:0;z-index:2147483000;`
    this.host = host
    this.root = host.attachShadow({ mode: 'open' })
    applyStyles(this.root, win)

    const b = doc.createElement('button')
    b.type = 'button'
    b.className = side === 'left' ? 'launcher left' : 'launcher'
    b.setAttribute('data-testid', 'parley-launcher')
    b.setAttribute('aria-label', 'Open chat')
    b.setAttribute('aria-expanded', 'false')
    for (const [cls, d] of ICONS) b.appendChild(icon(doc, cls, d))
    const badge = doc.createElement('span')
    badge.className = 'badge'
    badge.hidden = true
    badge.setAttribute('data-testid', 'parley-unread')
    b.appendChild(badge)
    b.addEventListener('click', () => this.toggle())
    this.launcher = b
    this.badge = badge
    this.root.appendChild(b)

    this.api = {
      open: () => this.open(),
      close: () => this.close(),
      toggle: () => this.toggle(),
      on: (name, fn) => {
        if (typeof name === 'string' && typeof fn === 'function') this.listeners.push({ name, fn })
      },
      identify: (token) => {
        if (typeof token !== 'string' || !token) return
        this.identityToken = token
        if (this.answered) this.post({ type: MSG_IDENTIFY, token })
      },
      setAttributes: (attributes) => this.setAttributes(attributes),
    }

    win.addEventListener('message', (e) => this.onMessage(e))
  }

  setAttributes(attributes: Record<string, unknown>): Promise<void> {
    const problems = attributeProblems(attributes)
    if (problems.length) {
      for (const p of problems) console.warn(`Parley: setAttributes: ${p}.`)
      return Promise.reject(attributeError('invalid_attributes', problems.join('; ')))
    }
    if (this.failed) return Promise.reject(attributeError('widget_off', 'the chat widget is off on this page'))
    const msg = { type: MSG_ATTRIBUTES, id: ++this.attrSeq, attributes: { ...attributes } }
    return new Promise<void>((resolve, reject) => {
      this.attrPending.set(msg.id, { resolve, reject })
      if (this.answered) this.post(msg)
      else this.attrWaiting.push(msg)
    })
  }

  get isOpen(): boolean {
    return !!this.frame && !this.frame.hidden
  }

  /**
   * Reads the site's public settings (GET /widget/sites/{key}: creates
   * nothing, cached by the browser for a minute) and draws the launcher
   * with them; a refused or unreachable site hides the widget.
   */
  async loadSite(): Promise<void> {
    const url = `${this.cfg.origin}/api/v1/widget/sites/${encodeURIComponent(this.cfg.siteKey)}`
    let res: Response
    try {
      res = await this.win.fetch(url, { credentials: 'omit' })
    } catch {
      this.fail('the chat service did not answer')
      return
    }
    const data = (await res.json().catch(() => null)) as { color?: unknown; launcher_position?: unknown; error?: { code?: string } } | null
    if (!res.ok || !data) {
      const code = data && data.error ? data.error.code : ''
      this.fail(
        code === 'origin_not_allowed'
          ? `this page's origin (${this.win.location.origin}) is not among the site's allowed origins`
          : code === 'site_not_found'
            ? 'no site has this data-site key'
            : 'the chat service refused this page',
      )
      return
    }
    if (typeof data.color === 'string' && /^#[0-9a-fA-F]{6}$/.test(data.color)) this.host.style.setProperty('--parley-color', data.color)
    if (data.launcher_position === 'left' && !this.cfg.position && !this.cfg.pinned) this.setSide('left')
  }

  /** Moves the launcher (and the frame) to a side of the page. */
  setSide(side: 'left' | 'right'): void {
    this.cfg.position = side
    this.host.style.left = side === 'left' ? '0' : ''
    this.host.style.right = side === 'left' ? '' : '0'
    this.launcher.classList.toggle('left', side === 'left')
    if (this.frame) this.frame.classList.toggle('left', side === 'left')
  }

  /** Creates the (hidden) frame: on first open, or earlier when the browser is idle. */
  load(): HTMLIFrameElement | null {
    if (this.failed) return null
    if (this.frame) return this.frame
    const f = this.doc.createElement('iframe')
    f.className = this.cfg.position === 'left' ? 'frame left' : 'frame'
    f.src = frameUrl(this.cfg)
    f.title = 'Chat'
    f.hidden = true
    f.setAttribute('data-testid', 'parley-frame')
    f.setAttribute('allow', 'autoplay')
    f.addEventListener('load', () => {
      this.frameLoaded = true
      const init: InitData = {
        type: MSG_INIT,
        siteKey: this.cfg.siteKey,
        pageUrl: this.win.location.href,
        referrer: this.doc.referrer,
        locale: this.cfg.locale || this.win.navigator.language || 'en',
        open: this.isOpen,
        identityToken: this.identityToken,
      }
      this.post(init)
    })
    f.addEventListener('error', () => this.fail('the chat frame could not be loaded'))
    this.frame = f
    this.root.appendChild(f)
    // If the frame never answers (Parley down, blocked, an error page), give up quietly.
    this.timer = setTimeout(() => {
      if (this.answered) return
      // A frame that loaded yet never spoke was most likely refused by its
      // Content-Security-Policy: only the site's allowed origins may frame it.
      this.fail(
        this.frameLoaded
          ? "the chat frame did not start: this page's origin is probably not among the site's allowed origins (or Parley is unreachable)"
          : 'the chat service did not answer',
      )
    }, HANDSHAKE_MS)
    return f
  }

  open(): void {
    const f = this.load()
    if (!f) return
    f.hidden = false
    this.launcher.setAttribute('aria-expanded', 'true')
    this.launcher.setAttribute('aria-label', 'Close chat')
    this.setUnread(0)
    this.post({ type: MSG_VISIBLE, open: true })
  }

  close(): void {
    if (!this.frame) return
    const wasOpen = !this.frame.hidden
    this.frame.hidden = true
    this.launcher.setAttribute('aria-expanded', 'false')
    this.launcher.setAttribute('aria-label', 'Open chat')
    if (wasOpen) {
      this.post({ type: MSG_VISIBLE, open: false })
      this.launcher.focus()
    }
  }

  toggle(): void {
    if (this.isOpen) this.close()
    else this.open()
  }

  setUnread(n: number): void {
    this.badge.hidden = n <= 0
    this.badge.textContent = n > 9 ? '9+' : String(n)
    this.launcher.setAttribute('aria-label', n > 0 ? `Open chat (${n} unread)` : this.isOpen ? 'Close chat' : 'Open chat')
  }

  /** Hides everything and leaves the page alone, with one clear warning. */
  fail(why: string): void {
    if (this.failed) return
    this.failed = true
    if (this.timer) clearTimeout(this.timer)
    for (const p of this.attrPending.values()) p.reject(attributeError('widget_off', 'the chat widget is off on this page'))
    this.attrPending.clear()
    this.host.style.display = 'none'
    this.launcher.hidden = true
    if (this.frame) {
      this.frame.remove()
      this.frame = null
    }
    console.warn(`Parley: the chat widget is off on this page: ${why}.`)
  }

  private post(msg: object): void {
    const w = this.frame && this.frameLoaded ? this.frame.contentWindow : null
    if (w) w.postMessage(msg, this.cfg.origin)
  }

  private onMessage(e: MessageEvent): void {
    const cw = this.frame ? this.frame.contentWindow : null
    if (!cw || e.source !== cw || e.origin !== this.cfg.origin) return
    const m = asWidgetMessage(e.data)
    if (!m) return
    switch (m.type) {
      case MSG_READY:
        this.answered = true
        if (this.timer) clearTimeout(this.timer)
        if (typeof m.color === 'string' && /^#[0-9a-fA-F]{6}$/.test(m.color)) {
          this.host.style.setProperty('--parley-color', m.color)
        }
        for (const w of this.attrWaiting.splice(0)) this.post(w)
        break
      case MSG_STORED: {
        const p = this.attrPending.get(m.id as number)
        if (!p) break
        this.attrPending.delete(m.id as number)
        const e = m.error as { code?: string; message?: string; details?: Record<string, string> } | undefined
        if (e) p.reject(attributeError(e.code || 'error', e.message || 'the attributes were not stored', e.details))
        else p.resolve()
        break
      }
      case MSG_ERROR:
        this.answered = true
        this.fail(typeof m.message === 'string' ? m.message : 'the chat service refused this page')
        break
      case MSG_CLOSE:
        this.close()
        break
      case MSG_UNREAD:
        if (!this.isOpen && typeof m.count === 'number') {
          this.setUnread(m.count)
          if (m.beep) beep(this.win)
        }
        break
      case MSG_MESSAGE:
        for (const l of this.listeners) {
          if (l.name === 'message') {
            try {
              l.fn(m.message)
            } catch (err) {
              console.error(err)
            }
          }
        }
        break
    }
  }

  mount(): void {
    if (!this.host.isConnected) this.doc.body.appendChild(this.host)
  }
}

type PreQueue = { q?: unknown }

/** Runs fn when the browser is idle (or after a while without requestIdleCallback). */
function whenIdle(win: Window, fn: () => void): void {
  const ric = (win as unknown as { requestIdleCallback?: (cb: () => void, o?: { timeout: number }) => number })
    .requestIdleCallback
  if (typeof ric === 'function') ric.call(win, fn, { timeout: 4000 })
  else setTimeout(fn, 1500)
}

/**
 * Starts the widget for the given script tag. Returns null (with a console
 * warning) when the tag has no usable data-site/src, and the existing widget
 * when the loader is included twice.
 */
export function boot(script: HTMLScriptElement | null, doc: Document = document, win: Window = window): Widget | null {
  const w = win as Window & { Parley?: ParleyApi & PreQueue; __parleyWidget?: Widget }
  if (w.__parleyWidget) return w.__parleyWidget
  const cfg = readConfig(script, doc)
  if (!cfg) {
    console.warn('Parley: the widget script needs a data-site attribute and an http(s) src.')
    return null
  }
  const widget = new Widget(cfg, doc, win)
  w.__parleyWidget = widget

  // A page may have queued calls before the loader arrived:
  // window.Parley = {q: [['open'], ['identify', token]]}.
  const early = w.Parley && Array.isArray(w.Parley.q) ? (w.Parley.q as unknown[]) : []
  w.Parley = widget.api

  const start = () => {
    widget.mount()
    void widget.loadSite()
    for (const call of early) {
      if (!Array.isArray(call)) continue
      const [name, ...args] = call as [keyof ParleyApi, ...unknown[]]
      const fn = widget.api[name] as ((...a: unknown[]) => unknown) | undefined
      // A queued setAttributes has nobody to tell of a refusal but the console.
      if (typeof fn === 'function') Promise.resolve(fn(...args)).catch((e: Error) => console.warn(`Parley: ${name}: ${e.message}`))
    }
    // Preload the frame once the page has settled, so the first open is instant.
    const idle = () => whenIdle(win, () => widget.load())
    if (doc.readyState === 'complete') idle()
    else win.addEventListener('load', idle, { once: true })
  }
  if (doc.body) start()
  else doc.addEventListener('DOMContentLoaded', start, { once: true })
  return widget
}
