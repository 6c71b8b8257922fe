import { isFrameMessage } from '../protocol'
import { CSS } from './styles'

/** What the loader learns from its own <script> tag. */
export interface LoaderConfig {
  siteKey: string
  /** The Parley server's origin, e.g. https://chat.example.com */
  origin: string
}

/** window.Parley, the host page's API. */
export interface ParleyApi {
  open(): void
  close(): void
  toggle(): void
  /**
   * Reserved: subscribes to widget events (e.g. 'message'). Calls are kept
   * and will be delivered once the chat frame speaks the event protocol.
   */
  on(name: string, fn: (data: unknown) => void): void
  /**
   * Reserved: signs the visitor in with an identity token from the host's
   * backend. The token is kept and will be handed to the chat frame once it
   * supports identified visitors.
   */
  identify(token: string): void
}

export const HOST_ID = 'parley-widget'

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
  return { siteKey, origin }
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

/** The widget on one host page: launcher, frame and the public API. */
export class Widget {
  readonly host: HTMLElement
  readonly root: ShadowRoot
  readonly launcher: HTMLButtonElement
  frame: HTMLIFrameElement | null = null
  /** Reserved calls, kept for the chat frame (see ParleyApi). */
  readonly listeners: Array<{ name: string; fn: (data: unknown) => void }> = []
  identityToken: string | null = null
  readonly api: ParleyApi

  constructor(
    readonly cfg: LoaderConfig,
    private readonly doc: Document,
    win: Window,
  ) {
    const host = doc.createElement('div')
    host.id = HOST_ID
    // Fixed and zero-sized: the host page's layout never moves.
    host.style.cssText = 'position:fixed;right:0;bottom:0;width:0;height:0;z-index:2147483000;'
    this.host = host
    this.root = host.attachShadow({ mode: 'open' })
    applyStyles(this.root, win)

    const b = doc.createElement('button')
    b.type = 'button'
    b.className = 'launcher'
    b.setAttribute('data-testid', 'parley-launcher')
    b.setAttribute('aria-label', 'Open chat')
    b.setAttribute('aria-expanded', 'false')
    for (const [cls, d] of ICONS) b.appendChild(icon(doc, cls, d))
    b.addEventListener('click', () => this.toggle())
    this.launcher = b
    this.root.appendChild(b)

    this.api = {
      open: () => this.open(),
      close: () => this.close(),
      toggle: () => this.toggle(),
      on: (name, fn) => {
        if (typeof name === 'string' && typeof fn === 'function') this.listeners.push({ name, fn })
      },
      identify: (token) => {
        if (typeof token === 'string') this.identityToken = token
      },
    }

    win.addEventListener('message', (e) => this.onMessage(e))
  }

  get isOpen(): boolean {
    return !!this.frame && !this.frame.hidden
  }

  open(): void {
    if (!this.frame) {
      // Created on first open only: nothing is loaded before the visitor asks.
      const f = this.doc.createElement('iframe')
      f.className = 'frame'
      f.src = frameUrl(this.cfg)
      f.title = 'Chat'
      f.setAttribute('data-testid', 'parley-frame')
      this.frame = f
      this.root.appendChild(f)
    }
    this.frame.hidden = false
    this.launcher.setAttribute('aria-expanded', 'true')
    this.launcher.setAttribute('aria-label', 'Close chat')
  }

  close(): void {
    if (!this.frame) return
    this.frame.hidden = true
    this.launcher.setAttribute('aria-expanded', 'false')
    this.launcher.setAttribute('aria-label', 'Open chat')
  }

  toggle(): void {
    if (this.isOpen) this.close()
    else this.open()
  }

  private onMessage(e: MessageEvent): void {
    if (!this.frame || e.source !== this.frame.contentWindow || e.origin !== this.cfg.origin) return
    if (isFrameMessage(e.data)) this.close()
  }

  mount(): void {
    if (!this.host.isConnected) this.doc.body.appendChild(this.host)
  }
}

type PreQueue = { q?: unknown }

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
    for (const call of early) {
      if (!Array.isArray(call)) continue
      const [name, ...args] = call as [keyof ParleyApi, ...unknown[]]
      const fn = widget.api[name] as ((...a: unknown[]) => void) | undefined
      if (typeof fn === 'function') fn(...args)
    }
  }
  if (doc.body) start()
  else doc.addEventListener('DOMContentLoaded', start, { once: true })
  return widget
}
