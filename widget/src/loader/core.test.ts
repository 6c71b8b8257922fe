import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { boot, frameUrl, HOST_ID, originFromSrc, readConfig, type ParleyApi, type Widget } from './core'

type Win = Window & { Parley?: ParleyApi & { q?: unknown }; __parleyWidget?: Widget }

function addScript(attrs: Record<string, string>): HTMLScriptElement {
  const s = document.createElement('script')
  for (const [k, v] of Object.entries(attrs)) s.setAttribute(k, v)
  // A type jsdom will not try to run.
  s.type = 'text/plain'
  document.head.appendChild(s)
  return s
}

function cleanUp() {
  document.head.innerHTML = ''
  document.body.innerHTML = ''
  delete (window as Win).Parley
  delete (window as Win).__parleyWidget
}

beforeEach(cleanUp)
afterEach(() => {
  cleanUp()
  vi.restoreAllMocks()
})

describe('config from the script tag', () => {
  it('derives the Parley origin from the script src', () => {
    expect(originFromSrc('https://chat.example.com/widget.js', 'https://shop.test/')).toBe('https://chat.example.com')
    expect(originFromSrc('http://127.0.0.1:8080/widget.js?v=2', 'https://shop.test/')).toBe('http://127.0.0.1:8080')
    expect(originFromSrc('/widget.js', 'https://chat.example.com/demo')).toBe('https://chat.example.com')
    expect(originFromSrc('//cdn.example.net/widget.js', 'https://shop.test/')).toBe('https://cdn.example.net')
    expect(originFromSrc('javascript:alert(1)', 'https://shop.test/')).toBeNull()
  })

  it('reads data-site from its own script tag', () => {
    const s = addScript({ src: 'https://chat.example.com/widget.js', 'data-site': ' pk_123 ' })
    expect(readConfig(s, document)).toEqual({ siteKey: 'pk_123', origin: 'https://chat.example.com' })
  })

  it('finds the tag by selector when currentScript is not available', () => {
    addScript({ src: 'https://other.example/app.js' })
    addScript({ src: 'https://chat.example.com/widget.js', 'data-site': 'pk_9' })
    expect(readConfig(null, document)).toEqual({ siteKey: 'pk_9', origin: 'https://chat.example.com' })
  })

  it('rejects a tag without a site key', () => {
    const s = addScript({ src: 'https://chat.example.com/widget.js' })
    expect(readConfig(s, document)).toBeNull()
    const empty = addScript({ src: 'https://chat.example.com/widget.js', 'data-site': '' })
    expect(readConfig(empty, document)).toBeNull()
  })

  it('builds the frame URL with the escaped key', () => {
    expect(frameUrl({ siteKey: 'a b&c', origin: 'https://chat.example.com' })).toBe(
      'https://chat.example.com/widget/frame.html?site=a%20b%26c',
    )
  })
})

describe('boot', () => {
  function start(): Widget {
    const s = addScript({ src: 'https://chat.example.com/widget.js', 'data-site': 'pk_1' })
    const w = boot(s, document, window)
    expect(w).not.toBeNull()
    return w as Widget
  }

  const launcher = () => {
    const host = document.getElementById(HOST_ID)
    return host?.shadowRoot?.querySelector<HTMLButtonElement>('[data-testid="parley-launcher"]') ?? null
  }
  const frame = () =>
    document.getElementById(HOST_ID)?.shadowRoot?.querySelector<HTMLIFrameElement>('iframe') ?? null

  it('draws the launcher inside a shadow root on a fixed, zero-size host', () => {
    start()
    const host = document.getElementById(HOST_ID)!
    expect(host.parentElement).toBe(document.body)
    expect(host.style.position).toBe('fixed')
    expect(host.style.width).toBe('0px')
    expect(host.style.height).toBe('0px')
    expect(host.shadowRoot).not.toBeNull()
    expect(launcher()).not.toBeNull()
    // Nothing of the widget is reachable from the host document itself.
    expect(document.querySelector('[data-testid="parley-launcher"]')).toBeNull()
    // Styles live in the shadow root only.
    expect(document.head.querySelector('style')).toBeNull()
    const styled = host.shadowRoot!.querySelector('style') || host.shadowRoot!.adoptedStyleSheets?.length
    expect(styled).toBeTruthy()
  })

  it('loads no frame until the visitor opens it', () => {
    start()
    expect(frame()).toBeNull()
  })

  it('toggles the frame on click', () => {
    start()
    const b = launcher()!
    b.click()
    const f = frame()!
    expect(f.src).toBe('https://chat.example.com/widget/frame.html?site=pk_1')
    expect(f.hidden).toBe(false)
    expect(b.getAttribute('aria-expanded')).toBe('true')
    b.click()
    expect(frame()!.hidden).toBe(true)
    expect(b.getAttribute('aria-expanded')).toBe('false')
    b.click()
    expect(frame()!.hidden).toBe(false)
    // The same frame is reused, so an open chat keeps its state.
    expect(document.getElementById(HOST_ID)!.shadowRoot!.querySelectorAll('iframe')).toHaveLength(1)
  })

  it('exposes window.Parley.open/close', () => {
    start()
    const api = (window as Win).Parley!
    api.open()
    expect(frame()!.hidden).toBe(false)
    api.close()
    expect(frame()!.hidden).toBe(true)
  })

  it('keeps reserved on/identify calls for later', () => {
    const w = start()
    const fn = () => {}
    ;(window as Win).Parley!.on('message', fn)
    ;(window as Win).Parley!.identify('jwt-token')
    expect(w.listeners).toEqual([{ name: 'message', fn }])
    expect(w.identityToken).toBe('jwt-token')
  })

  it('replays calls queued before it loaded', () => {
    ;(window as Win).Parley = { q: [['identify', 'early-token'], ['open']] } as never
    const w = start()
    expect(w.identityToken).toBe('early-token')
    expect(frame()!.hidden).toBe(false)
  })

  it('closes when its own frame asks, and ignores anyone else', () => {
    const w = start()
    w.open()
    const f = frame()!
    window.dispatchEvent(
      new MessageEvent('message', { data: { type: 'parley:close' }, origin: 'https://evil.test', source: f.contentWindow }),
    )
    expect(f.hidden).toBe(false)
    window.dispatchEvent(
      new MessageEvent('message', { data: { type: 'parley:close' }, origin: 'https://chat.example.com', source: window }),
    )
    expect(f.hidden).toBe(false)
    window.dispatchEvent(
      new MessageEvent('message', {
        data: { type: 'parley:close' },
        origin: 'https://chat.example.com',
        source: f.contentWindow,
      }),
    )
    expect(f.hidden).toBe(true)
  })

  it('is idempotent when the snippet is included twice', () => {
    const a = start()
    const b = boot(addScript({ src: 'https://chat.example.com/widget.js', 'data-site': 'pk_2' }), document, window)
    expect(b).toBe(a)
    expect(document.querySelectorAll(`#${HOST_ID}`)).toHaveLength(1)
  })

  it('warns and draws nothing without data-site', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    expect(boot(addScript({ src: 'https://chat.example.com/widget.js' }), document, window)).toBeNull()
    expect(document.getElementById(HOST_ID)).toBeNull()
    expect(warn).toHaveBeenCalled()
  })
})
