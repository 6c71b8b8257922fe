import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { attributeProblems, boot, type ParleyApi, type Widget } from './core'

type Win = Window & { Parley?: ParleyApi & { q?: unknown }; __parleyWidget?: Widget }

function cleanUp() {
  document.head.innerHTML = ''
  document.body.innerHTML = ''
  delete (window as Win).Parley
  delete (window as Win).__parleyWidget
}

beforeEach(() => {
  cleanUp()
  // The site's settings never arrive: the widget stays as it is.
  vi.stubGlobal('fetch', () => new Promise(() => {}))
})
afterEach(() => {
  cleanUp()
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
})

function started(): Widget {
  const s = document.createElement('script')
  s.setAttribute('src', 'https://chat.example.com/widget.js')
  s.setAttribute('data-site', 'pk_1')
  s.type = 'text/plain'
  document.head.appendChild(s)
  return boot(s, document, window) as Widget
}

/** Loads the frame with a stand-in window; returns its postMessage spy. */
function loaded(w: Widget) {
  const f = w.load()!
  const cw = { postMessage: vi.fn() }
  Object.defineProperty(f, 'contentWindow', { value: cw, configurable: true })
  f.dispatchEvent(new Event('load'))
  return cw.postMessage
}

const fromFrame = (w: Widget, data: unknown) =>
  window.dispatchEvent(new MessageEvent('message', { data, origin: 'https://chat.example.com', source: w.frame!.contentWindow }))

const posted = (post: ReturnType<typeof vi.fn>, type: string) => post.mock.calls.map((c) => c[0]).filter((m) => m.type === type)

describe('setAttributes checks', () => {
  it('accepts what the server accepts', () => {
    expect(attributeProblems({ plan: 'pro', order_id: '12', seats: 3, trial: false, old: null })).toEqual([])
    expect(attributeProblems({ note: 'x'.repeat(500) })).toEqual([])
  })

  it('names each key it refuses', () => {
    const p = attributeProblems({ Plan: 'pro', '1st': 'a', long_value: 'y'.repeat(501), nested: { a: 1 }, ok: 'fine' })
    expect(p).toHaveLength(4)
    expect(p.join('\n')).toContain('"Plan"')
    expect(p.join('\n')).toContain('"1st"')
    expect(p.join('\n')).toContain('"long_value"')
    expect(p.join('\n')).toContain('"nested"')
    expect(p.join('\n')).not.toContain('"ok"')
    expect(attributeProblems({ ['k'.repeat(41)]: 'v' })).toHaveLength(1)
    const many: Record<string, string> = {}
    for (let i = 0; i < 51; i++) many['k' + i] = 'v'
    expect(attributeProblems(many)[0]).toContain('at most 50')
    expect(attributeProblems('plan=pro')).toHaveLength(1)
  })
})

describe('Parley.setAttributes', () => {
  it('warns naming the key and rejects without sending anything', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const w = started()
    const post = loaded(w)
    fromFrame(w, { type: 'parley:ready' })
    await expect(w.api.setAttributes({ Bad_Key: 'x' })).rejects.toMatchObject({ code: 'invalid_attributes' })
    expect(String(warn.mock.calls[0][0])).toContain('"Bad_Key"')
    expect(posted(post, 'parley:attributes')).toEqual([])
  })

  it('waits for the frame, then resolves when the frame says they are stored', async () => {
    const w = started()
    const p = w.api.setAttributes({ plan: 'pro' })
    const post = loaded(w)
    expect(posted(post, 'parley:attributes')).toEqual([])
    fromFrame(w, { type: 'parley:ready' })
    const [msg] = posted(post, 'parley:attributes')
    expect(msg).toMatchObject({ attributes: { plan: 'pro' } })
    let settled = false
    void p.then(() => (settled = true))
    await Promise.resolve()
    expect(settled).toBe(false)
    fromFrame(w, { type: 'parley:stored', id: msg.id })
    await expect(p).resolves.toBeUndefined()
  })

  it("rejects with the server's error", async () => {
    const w = started()
    const post = loaded(w)
    fromFrame(w, { type: 'parley:ready' })
    const p = w.api.setAttributes({ plan: 'pro' })
    const [msg] = posted(post, 'parley:attributes')
    fromFrame(w, { type: 'parley:stored', id: msg.id, error: { code: 'rate_limited', message: 'too many attempts', details: { x: 'y' } } })
    await expect(p).rejects.toMatchObject({ code: 'rate_limited', message: 'too many attempts', details: { x: 'y' } })
  })

  it('is reached through the queue the snippet fills before the loader arrives', () => {
    ;(window as Win).Parley = { q: [['setAttributes', { plan: 'pro' }]] } as unknown as ParleyApi & { q?: unknown }
    const w = started()
    const post = loaded(w)
    fromFrame(w, { type: 'parley:ready' })
    expect(posted(post, 'parley:attributes')).toEqual([expect.objectContaining({ attributes: { plan: 'pro' } })])
  })
})
