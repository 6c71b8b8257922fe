import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { pickStrings } from './i18n'
import { Outbox } from './outbox'
import type { Message } from './store'
import { ChatView, queueText, safeUrl, type LogActions } from './view'

const { t } = pickStrings('en')

const msg = (seq: number, kind: 'visitor' | 'user', extra: Partial<Message> = {}): Message => ({
  id: 100 + seq,
  conversation_id: 7,
  seq,
  sender: { kind, id: kind === 'user' ? 2 : 1, name: kind === 'user' ? 'Ann' : 'V' },
  kind: 'text',
  body: 'm' + seq,
  created_at: '',
  ...extra,
})

function actions() {
  return { openImage: vi.fn<LogActions['openImage']>(), remove: vi.fn<LogActions['remove']>(), retry: vi.fn<LogActions['retry']>() }
}

let view: ChatView

beforeEach(() => {
  const html = readFileSync(resolve(process.cwd(), 'frame.html'), 'utf8')
  document.documentElement.innerHTML = html.replace(/^<!doctype html>/i, '')
  view = new ChatView(document, t)
})
afterEach(() => vi.unstubAllGlobals())

describe('safeUrl and queueText', () => {
  it('lets only web URLs and paths through', () => {
    expect(safeUrl('/media/1?sig=x')).toBe('/media/1?sig=x')
    expect(safeUrl('https://cdn.test/a.png')).toBe('https://cdn.test/a.png')
    expect(safeUrl('//evil.test/a')).toBe('')
    expect(safeUrl('javascript:alert(1)')).toBe('')
    expect(safeUrl(undefined)).toBe('')
  })

  it('says where the visitor is in the queue', () => {
    expect(queueText(null, t)).toBe(t.waiting)
    expect(queueText(1, t)).toBe(t.queueNext)
    expect(queueText(4, t)).toContain('4')
  })
})

describe('ChatView', () => {
  it('marks only the last of the visitor messages the agent has read', () => {
    view.renderLog([msg(1, 'visitor'), msg(2, 'visitor'), msg(3, 'user')], [], 2, actions())
    const items = document.querySelectorAll('[data-testid="parley-message"]')
    expect(items).toHaveLength(3)
    expect(items[0].querySelector('[data-testid="parley-read"]')).toBeNull()
    expect(items[1].querySelector('[data-testid="parley-read"]')?.textContent).toBe(t.read)
    expect(items[2].className).toBe('msg theirs')
    expect(items[2].querySelector('.avatar')?.textContent).toBe('A')
  })

  it("shows a site's automated reply as the site's message and Parley's notices as lines", () => {
    const site = { kind: 'system' as const, id: 3, name: 'Acme' }
    view.renderLog(
      [
        msg(1, 'visitor'),
        { ...msg(2, 'user'), sender: site, body: 'Our plans start at $10', automated: true },
        { ...msg(3, 'user'), sender: { kind: 'system', id: 0, name: 'Parley' }, kind: 'system', body: 'Ann resolved the conversation' },
      ],
      [],
      0,
      actions(),
    )
    const items = document.querySelectorAll('[data-testid="parley-message"]')
    expect(items[1].className).toBe('msg theirs')
    expect(items[1].querySelector('.who')?.textContent).toBe('Acme')
    expect(items[1].querySelector('[data-testid="parley-message-body"]')?.textContent).toBe('Our plans start at $10')
    expect(items[2].className).toBe('msg sys')
  })

  it('offers to retry a failed send and to remove a refused upload', () => {
    const o = new Outbox()
    o.add('c-1', 'hello')
    o.fail('c-1', 'too long')
    o.addMedia('c-2', 'image', { name: 'cat.png', size: 10, type: 'image/png' })
    o.fail('c-2', t.upTooBig)
    const a = actions()
    view.renderLog([], o.items, 0, a)
    const retry = document.querySelector('[data-client-id="c-1"] button') as HTMLButtonElement
    expect(retry.textContent).toBe(t.failed)
    expect(retry.title).toBe('too long')
    retry.click()
    expect(a.retry).toHaveBeenCalledWith('c-1')
    expect(document.querySelector('[data-testid="parley-upload-error"]')?.textContent).toBe(t.upTooBig)
    ;(document.querySelector('[data-client-id="c-2"] .link-btn') as HTMLButtonElement).click()
    expect(a.remove).toHaveBeenCalledWith('c-2')
  })

  it('moves an upload bar without drawing the log again', () => {
    const o = new Outbox()
    o.addMedia('c-1', 'file', { name: 'a.pdf', size: 2048, type: 'application/pdf' })
    view.renderLog([], o.items, 0, actions())
    const li = document.querySelector('[data-client-id="c-1"]')
    view.progress('c-1', 0.5, true)
    expect(document.querySelector('[data-client-id="c-1"]')).toBe(li)
    expect((li!.querySelector('progress') as HTMLProgressElement).value).toBe(0.5)
    expect(li!.querySelector('.status')?.textContent).toContain('50')
  })

  it('opens a picture large and closes it again', () => {
    const a = actions()
    a.openImage.mockImplementation((url: string, name: string) => view.openImage(url, name))
    const img = { id: 1, kind: 'image' as const, mime: 'image/png', size: 1, name: 'cat.png', url: '/media/1', url_expires_at: '' }
    view.renderLog([msg(1, 'user', { kind: 'image', body: '', attachment: img })], [], 0, a)
    ;(document.querySelector('.thumb') as HTMLButtonElement).click()
    const box = document.querySelector('[data-testid="parley-lightbox"]') as HTMLElement
    expect(box.hidden).toBe(false)
    expect(view.closeImage()).toBe(true)
    expect(box.hidden).toBe(true)
    expect(view.closeImage()).toBe(false)
  })

  it('checks the pre-chat form and focuses the first field in error', () => {
    // jsdom has no CSS.escape; these names need no escaping anyway.
    vi.stubGlobal('CSS', { escape: (s: string) => s })
    const fields = [
      { name: 'name', label: 'Name', type: 'text', required: true },
      { name: 'email', label: 'E-mail', type: 'email', required: false },
    ]
    view.buildPrechat(fields, { id: 1, name: '', email: 'v@shop.test', identified: false })
    expect(view.prechatValues(fields)).toEqual({ name: '', email: 'v@shop.test' })
    expect(view.prechatErrors(fields, { name: 'required' })).toBe(false)
    expect(document.activeElement?.getAttribute('name')).toBe('name')
    expect(document.getElementById('parley-pre-name-err')?.textContent).toBe(t.required)
    expect(view.prechatErrors(fields, {})).toBe(true)
  })
})
