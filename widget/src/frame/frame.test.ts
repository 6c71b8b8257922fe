import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ChatApp } from './app'
import { initFrame, siteKeyFrom } from './frame'

function loadPage() {
  const html = readFileSync(resolve(process.cwd(), 'frame.html'), 'utf8')
  document.documentElement.innerHTML = html.replace(/^<!doctype html>/i, '')
}

const parent = { postMessage: vi.fn() }

function fakeWindow(search: string, p: unknown = parent) {
  const listeners: Array<(e: MessageEvent) => void> = []
  return {
    location: { search, origin: 'https://chat.example.com' },
    navigator: { language: 'en-US' },
    parent: p,
    localStorage: window.localStorage,
    addEventListener: (name: string, fn: (e: MessageEvent) => void) => {
      if (name === 'message') listeners.push(fn)
    },
    listeners,
  } as unknown as Window & { listeners: Array<(e: MessageEvent) => void> }
}

const session = {
  visitor_token: 'vt_1',
  visitor: { id: 1, name: '', email: '', identified: false },
  site: {
    name: 'Shop',
    color: '#123456',
    greeting: 'Hi there',
    away_message: 'Away',
    online: true,
    open: true,
    prechat: [{ name: 'name', label: 'Name', type: 'text', required: true }],
    queues: [{ id: 1, name: 'Support' }],
  },
  conversation: null,
}

function mockFetch(routes: Record<string, unknown>) {
  const calls: Array<{ url: string; init: RequestInit }> = []
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      calls.push({ url, init })
      const key = `${init.method} ${url.replace(/\?.*/, '')}`
      const body = routes[key]
      if (body === undefined) return new Response('{"error":{"code":"not_found","message":"no"}}', { status: 404 })
      return new Response(JSON.stringify(body), { status: 200 })
    }),
  )
  return calls
}

beforeEach(() => {
  loadPage()
  parent.postMessage.mockReset()
  localStorage.clear()
})
afterEach(() => vi.unstubAllGlobals())

describe('frame page', () => {
  it('reads the site key from the URL', () => {
    expect(siteKeyFrom('?site=pk_1')).toBe('pk_1')
    expect(siteKeyFrom('?other=1')).toBe('')
    expect(siteKeyFrom('?site=a%20b')).toBe('a b')
  })

  it('says so when opened outside a host page', () => {
    const w = fakeWindow('?site=pk_1')
    ;(w as unknown as { parent: unknown }).parent = w
    expect(initFrame(document, w)).toBeNull()
    expect(document.querySelector('[data-testid="parley-placeholder"]')?.textContent).toMatch(/inside a website/)
  })

  it('starts only on an init from its parent whose origin matches the page URL', async () => {
    const calls = mockFetch({ 'POST /api/v1/widget/session': session })
    const w = fakeWindow('?site=pk_1')
    const app = initFrame(document, w)!
    const init = { type: 'parley:init', siteKey: 'pk_1', pageUrl: 'https://shop.test/a', referrer: '', locale: 'en', open: false }
    // Wrong origin, wrong sender: ignored.
    app.onHostMessage(new MessageEvent('message', { data: init, origin: 'https://evil.test', source: parent as never }))
    app.onHostMessage(new MessageEvent('message', { data: init, origin: 'https://shop.test', source: window }))
    expect(app.init).toBeNull()
    app.onHostMessage(new MessageEvent('message', { data: init, origin: 'https://shop.test', source: parent as never }))
    expect(app.hostOrigin).toBe('https://shop.test')
    // A page view creates nothing: the frame says it is ready without a session.
    await vi.waitFor(() => expect(parent.postMessage).toHaveBeenCalledWith({ type: 'parley:ready' }, 'https://shop.test'))
    expect(calls.length).toBe(0)
    // Opening the chat starts the visitor's session.
    app.onHostMessage(new MessageEvent('message', { data: { type: 'parley:visible', open: true }, origin: 'https://shop.test', source: parent as never }))
    await vi.waitFor(() => expect(app.site).not.toBeNull())
    expect(JSON.parse(String(calls[0].init.body))).toMatchObject({ site_key: 'pk_1', page_url: 'https://shop.test/a' })
    expect(parent.postMessage).toHaveBeenCalledWith({ type: 'parley:ready', color: '#123456' }, 'https://shop.test')
    expect(document.querySelector('[data-testid="parley-greeting"]')?.textContent).toBe('Hi there')
    // The pre-chat form comes first and checks its fields.
    expect((document.querySelector('[data-testid="parley-prechat"]') as HTMLElement).hidden).toBe(false)
    expect((document.querySelector('[data-ref="composer"]') as HTMLElement).hidden).toBe(true)
    expect(JSON.parse(localStorage.getItem('parley:v1:pk_1')!)).toMatchObject({ token: 'vt_1' })
  })

  it('tells the loader when the site refuses the page', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('{"error":{"code":"origin_not_allowed","message":"no"}}', { status: 403 })),
    )
    const app = new ChatApp(document, fakeWindow('?site=pk_1'))
    app.hostOrigin = 'https://shop.test'
    await app.start({ type: 'parley:init', siteKey: 'pk_1', pageUrl: 'https://shop.test/', referrer: '', locale: 'zh-CN', open: true })
    await vi.waitFor(() => expect(parent.postMessage).toHaveBeenCalledTimes(2))
    const [msg, origin] = parent.postMessage.mock.calls[1]
    expect(origin).toBe('https://shop.test')
    expect(msg).toMatchObject({ type: 'parley:error', code: 'origin_not_allowed' })
    expect(document.documentElement.lang).toBe('zh-CN')
  })

  it('draws message text as text, links as safe anchors, and pending messages as sending', () => {
    const app = new ChatApp(document, fakeWindow('?site=pk_1'))
    app.site = { ...session.site, prechat: [] }
    app.conv = { id: 7, status: 'assigned', assignee: { id: 2, name: 'Ann' }, last_seq: 3, rating: null }
    app.store.merge([
      { id: 1, conversation_id: 7, seq: 1, sender: { kind: 'visitor', id: 1, name: 'V' }, kind: 'text', body: 'hi', created_at: '' },
      { id: 2, conversation_id: 7, seq: 2, sender: { kind: 'system', id: 0, name: '' }, kind: 'system', body: 'Ann joined', created_at: '' },
      { id: 3, conversation_id: 7, seq: 3, sender: { kind: 'user', id: 2, name: 'Ann' }, kind: 'text', body: '<img src=x onerror=alert(1)> www.example.com', created_at: '' },
    ])
    app.outbox.add('c-1', 'on its way')
    app.agentReadSeq = 1
    app.render()
    const items = document.querySelectorAll('[data-testid="parley-message"]')
    expect(items).toHaveLength(4)
    expect(items[1].className).toContain('sys')
    expect(items[2].querySelector('img')).toBeNull()
    expect(items[2].textContent).toContain('<img src=x onerror=alert(1)>')
    const a = items[2].querySelector('a')!
    expect(a.href).toBe('https://www.example.com/')
    expect(a.rel).toBe('noopener noreferrer')
    expect(items[0].querySelector('[data-testid="parley-read"]')).not.toBeNull()
    expect(items[3].getAttribute('data-pending')).toBe('sending')
    expect(items[3].textContent).toContain('Sending')
  })

  it('shows the queue position, the away form and the rating', () => {
    const app = new ChatApp(document, fakeWindow('?site=pk_1'))
    app.site = { ...session.site, online: false, prechat: [] }
    app.visitor = session.visitor
    app.conv = { id: 7, status: 'queued', queue_position: 3, assignee: null, last_seq: 0, rating: null }
    app.render()
    const q = document.querySelector('[data-testid="parley-queue-position"]') as HTMLElement
    expect(q.hidden).toBe(false)
    expect(q.textContent).toContain('3')
    expect((document.querySelector('[data-testid="parley-away"]') as HTMLElement).hidden).toBe(false)
    app.conv = { id: 7, status: 'resolved', assignee: null, last_seq: 0, rating: null }
    app.render()
    expect((document.querySelector('[data-testid="parley-rating"]') as HTMLElement).hidden).toBe(false)
    expect(q.hidden).toBe(true)
  })

  it('offers to talk to a person only while a bot answers', () => {
    const app = new ChatApp(document, fakeWindow('?site=pk_1'))
    app.site = { ...session.site, prechat: [] }
    app.visitor = session.visitor
    app.conv = { id: 7, status: 'bot', queue_position: undefined, assignee: null, last_seq: 0, rating: null }
    app.render()
    const b = document.querySelector('[data-testid="parley-handoff"]') as HTMLButtonElement
    expect((b.parentElement as HTMLElement).hidden).toBe(false)
    app.conv = { id: 7, status: 'queued', queue_position: 1, assignee: null, last_seq: 0, rating: null }
    app.render()
    expect((b.parentElement as HTMLElement).hidden).toBe(true)
  })
})
