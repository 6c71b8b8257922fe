import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { boot, frameUrl, HANDSHAKE_MS, HOST_ID, originFromSrc, readConfig, type ParleyApi, type Widget } from './core'

type Win = Window & { Parley?: ParleyApi & { q?: unknown }; __parleyWidget?: Widget }

function addScript(attrs: Record<string, string>): HTMLScriptElement {
  const s = document.createElement('script')
  for (const [k, v] of Object.entries(attrs)) s.setAttribute(k, v)
  // A type jsdom will not try to run.
  s.type = 'text/plain'
  document.head.appendChild(s)
  return s
}

/** jsdom gives iframes inside shadow roots no window: stand one in. */
function fakeContent(f: HTMLIFrameElement) {
  const cw = { postMessage: vi.fn() }
  Object.defineProperty(f, 'contentWindow', { value: cw, configurable: true })
  return cw
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

  it('keeps on/identify calls until the frame can take them', () => {
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
    fakeContent(f)
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

describe('frame protocol', () => {
  function started(attrs: Record<string, string> = {}): Widget {
    const s = addScript({ src: 'https://chat.example.com/widget.js', 'data-site': 'pk_1', ...attrs })
    return boot(s, document, window) as Widget
  }
  const fromFrame = (w: Widget, data: unknown, origin = 'https://chat.example.com') =>
    window.dispatchEvent(new MessageEvent('message', { data, origin, source: w.frame!.contentWindow }))

  it('reads data-locale and data-position', () => {
    const s = addScript({ src: 'https://c.example/widget.js', 'data-site': 'k', 'data-locale': 'zh-CN', 'data-position': 'left' })
    expect(readConfig(s, document)).toEqual({ siteKey: 'k', origin: 'https://c.example', locale: 'zh-CN', position: 'left' })
    const w = boot(s, document, window)!
    expect(w.host.style.left).toBe('0px')
    expect(w.launcher.className).toContain('left')
  })

  it('posts init to the exact Parley origin once the frame has loaded', () => {
    const w = started()
    w.open()
    const post = fakeContent(w.frame!).postMessage
    w.frame!.dispatchEvent(new Event('load'))
    expect(post).toHaveBeenCalledWith(
      expect.objectContaining({ type: 'parley:init', siteKey: 'pk_1', pageUrl: window.location.href, open: true }),
      'https://chat.example.com',
    )
  })

  it('hides the launcher and warns once when the frame reports an error', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const w = started()
    fakeContent(w.load()!)
    fromFrame(w, { type: 'parley:error', message: 'not allowed here' }, 'https://evil.test')
    expect(w.failed).toBe(false)
    fromFrame(w, { type: 'parley:error', message: 'not allowed here' })
    expect(w.failed).toBe(true)
    expect(w.host.style.display).toBe('none')
    expect(w.frame).toBeNull()
    expect(warn).toHaveBeenCalledTimes(1)
    expect(String(warn.mock.calls[0][0])).toContain('not allowed here')
    w.open()
    expect(w.frame).toBeNull()
  })

  it('gives up when the frame never answers', () => {
    vi.useFakeTimers()
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      const w = started()
      w.load()
      vi.advanceTimersByTime(HANDSHAKE_MS + 1)
      expect(w.failed).toBe(true)
      expect(warn).toHaveBeenCalledTimes(1)
    } finally {
      vi.useRealTimers()
    }
  })

  it('names the allowed origins when the frame loaded but never spoke (refused by frame-ancestors)', () => {
    vi.useFakeTimers()
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      const w = started()
      const f = w.load()!
      f.dispatchEvent(new Event('load'))
      vi.advanceTimersByTime(HANDSHAKE_MS + 1)
      expect(w.failed).toBe(true)
      expect(warn).toHaveBeenCalledTimes(1)
      expect(String(warn.mock.calls[0][0])).toContain("not among the site's allowed origins")
    } finally {
      vi.useRealTimers()
    }
  })

  it('takes the site colour, shows unread counts while closed and hands messages to Parley.on', () => {
    const w = started()
    fakeContent(w.load()!)
    fromFrame(w, { type: 'parley:ready', color: '#0b7285' })
    expect(w.answered).toBe(true)
    expect(w.host.style.getPropertyValue('--parley-color')).toBe('#0b7285')
    fromFrame(w, { type: 'parley:unread', count: 2 })
    expect(w.badge.hidden).toBe(false)
    expect(w.badge.textContent).toBe('2')
    w.open()
    expect(w.badge.hidden).toBe(true)
    const got: unknown[] = []
    ;(window as Win).Parley!.on('message', (m) => got.push(m))
    fromFrame(w, { type: 'parley:message', message: { body: 'hi' } })
    fromFrame(w, { type: 'parley:message', message: { body: 'spoofed' } }, 'https://evil.test')
    expect(got).toEqual([{ body: 'hi' }])
  })

  it('passes identify() to the frame once it is ready', () => {
    const w = started()
    const post = fakeContent(w.load()!).postMessage
    w.frame!.dispatchEvent(new Event('load'))
    post.mockClear()
    fromFrame(w, { type: 'parley:ready', color: '#000000' })
    ;(window as Win).Parley!.identify('jwt')
    expect(post).toHaveBeenCalledWith({ type: 'parley:identify', token: 'jwt' }, 'https://chat.example.com')
  })
})
