import { describe, expect, it } from 'vitest'
import { acceptFromHost } from '../protocol'
import { backoff } from './backoff'
import { linkify, safeHref } from './links'
import { ACK_TIMEOUT_MS, newClientId, Outbox } from './outbox'
import { cleanPrechat, validatePrechat } from './prechat'
import { MessageStore, type Message } from './store'

const msg = (seq: number, extra: Partial<Message> = {}): Message => ({
  id: 100 + seq,
  conversation_id: 1,
  seq,
  sender: { kind: 'user', id: 2, name: 'Ann' },
  kind: 'text',
  body: 'm' + seq,
  created_at: '',
  ...extra,
})

describe('message store', () => {
  it('orders by seq and drops doubles', () => {
    const s = new MessageStore()
    expect(s.merge([msg(3), msg(1)]).map((m) => m.seq)).toEqual([1, 3])
    expect(s.add(msg(3))).toBe(false)
    expect(s.add({ ...msg(9), id: 101 })).toBe(false) // same id, other seq
    expect(s.merge([msg(2), msg(3), msg(5)]).map((m) => m.seq)).toEqual([2, 5])
    expect(s.list().map((m) => m.seq)).toEqual([1, 2, 3, 5])
    expect(s.maxSeq()).toBe(5)
    expect(s.minSeq()).toBe(1)
  })

  it('accepts gaps (private notes never reach visitors)', () => {
    const s = new MessageStore()
    s.merge([msg(1), msg(4)])
    expect(s.maxSeq()).toBe(4)
    expect(s.size).toBe(2)
  })

  it('finds messages by client id', () => {
    const s = new MessageStore()
    s.add(msg(1, { client_msg_id: 'abc' }))
    expect(s.hasClientId('abc')).toBe(true)
    expect(s.hasClientId('x')).toBe(false)
  })
})

describe('outbox', () => {
  it('retries with the same client id until acked, alternating socket and REST', () => {
    let now = 1000
    const box = new Outbox(() => now, () => 0.5)
    const p = box.add('id-1', 'hello')
    expect(box.due()).toEqual([p])
    expect(Outbox.via(p, true)).toBe('ws')
    box.tried(p, 'ws')
    expect(box.due()).toEqual([])
    now += ACK_TIMEOUT_MS
    expect(box.due()).toEqual([p])
    expect(Outbox.via(p, true)).toBe('rest')
    box.tried(p, 'rest')
    expect(p.client_msg_id).toBe('id-1')
    expect(box.due()).toEqual([])
    box.wake()
    expect(box.due()).toEqual([p])
    expect(box.ack('id-1')).toBe(true)
    expect(box.items).toEqual([])
    expect(box.ack('id-1')).toBe(false)
  })

  it('uses REST while the socket is down', () => {
    const box = new Outbox()
    expect(Outbox.via(box.add('a', 'x'), false)).toBe('rest')
  })

  it('keeps refused messages as failed until retried', () => {
    const box = new Outbox()
    box.add('a', 'x')
    box.fail('a', 'too long')
    expect(box.due()).toEqual([])
    box.retry('a')
    expect(box.due()).toHaveLength(1)
  })

  it('survives a reload', () => {
    const a = new Outbox()
    a.add('a', 'one')
    a.add('b', 'two')
    a.tried(a.items[0], 'ws')
    const b = new Outbox()
    b.load(JSON.parse(JSON.stringify(a.dump())))
    b.load([{ client_msg_id: 'a', body: 'one' }, null, { body: 'no id' }])
    expect(b.items.map((p) => p.client_msg_id)).toEqual(['a', 'b'])
    expect(b.due()).toHaveLength(2)
  })

  it('makes UUIDs with and without crypto.randomUUID', () => {
    expect(newClientId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    const noUuid = { getRandomValues: (b: Uint8Array) => b.fill(7) } as unknown as Crypto
    expect(newClientId(noUuid)).toMatch(/^07070707-0707-4707-8707-070707070707$/)
  })
})

describe('back-off', () => {
  it('grows exponentially with jitter up to a cap', () => {
    expect(backoff(0, () => 0)).toBe(250)
    expect(backoff(0, () => 1)).toBe(500)
    expect(backoff(3, () => 0)).toBe(2000)
    expect(backoff(3, () => 1)).toBe(4000)
    expect(backoff(50, () => 1)).toBe(30000)
    expect(backoff(50, () => 0)).toBe(15000)
  })
})

describe('links', () => {
  it('finds http(s) and www links and leaves punctuation outside', () => {
    expect(linkify('see https://a.example/x?y=1, or www.b.example.')).toEqual([
      { text: 'see ' },
      { text: 'https://a.example/x?y=1', href: 'https://a.example/x?y=1' },
      { text: ', or ' },
      { text: 'www.b.example', href: 'https://www.b.example/' },
      { text: '.' },
    ])
    expect(linkify('(https://a.example/wiki/Foo_(bar))')).toEqual([
      { text: '(' },
      { text: 'https://a.example/wiki/Foo_(bar)', href: 'https://a.example/wiki/Foo_(bar)' },
      { text: ')' },
    ])
  })

  it('never links other schemes', () => {
    expect(linkify('javascript:alert(1) data:text/html,x')).toEqual([{ text: 'javascript:alert(1) data:text/html,x' }])
    expect(safeHref('javascript:alert(1)')).toBeNull()
    expect(linkify('<img src=x onerror=alert(1)>')).toEqual([{ text: '<img src=x onerror=alert(1)>' }])
    for (const s of ['vbscript:msgbox(1)', 'file:///etc/passwd', 'mailto:javascript:alert(1)']) {
      expect(linkify(s).some((seg) => seg.href)).toBe(false)
    }
  })

  it('links mailto and stops at CJK text next to a link', () => {
    expect(linkify('mailto:help@a.example')).toEqual([{ text: 'mailto:help@a.example', href: 'mailto:help@a.example' }])
    expect(linkify('看这个https://a.example/x。谢谢')).toEqual([
      { text: '看这个' },
      { text: 'https://a.example/x', href: 'https://a.example/x' },
      { text: '。谢谢' },
    ])
  })
})

describe('postMessage origin checks', () => {
  const parent = {}
  const init = { type: 'parley:init', pageUrl: 'https://shop.test/cart' }

  it('trusts the first init only from the parent and the origin of its page URL', () => {
    expect(acceptFromHost({ origin: 'https://shop.test', data: init, source: parent }, parent, null)).toBe('https://shop.test')
    expect(acceptFromHost({ origin: 'https://evil.test', data: init, source: parent }, parent, null)).toBeNull()
    expect(acceptFromHost({ origin: 'https://shop.test', data: init, source: {} }, parent, null)).toBeNull()
    expect(acceptFromHost({ origin: 'null', data: init, source: parent }, parent, null)).toBeNull()
    expect(acceptFromHost({ origin: 'https://shop.test', data: { type: 'parley:visible' }, source: parent }, parent, null)).toBeNull()
    expect(acceptFromHost({ origin: 'https://shop.test', data: { ...init, pageUrl: 'nope' }, source: parent }, parent, null)).toBeNull()
  })

  it('afterwards accepts only that origin', () => {
    const m = { type: 'parley:visible', open: true }
    expect(acceptFromHost({ origin: 'https://shop.test', data: m, source: parent }, parent, 'https://shop.test')).toBe('https://shop.test')
    expect(acceptFromHost({ origin: 'https://shop.test:8443', data: m, source: parent }, parent, 'https://shop.test')).toBeNull()
    expect(acceptFromHost({ origin: 'https://shop.test', data: 'parley:visible', source: parent }, parent, 'https://shop.test')).toBeNull()
  })
})

describe('pre-chat form', () => {
  const fields = [
    { name: 'name', label: 'Name', type: 'text', required: true },
    { name: 'email', label: 'E-mail', type: 'email', required: false },
    { name: 'order', label: 'Order', type: 'text', required: false },
  ]

  it('needs required fields and well-formed e-mails', () => {
    expect(validatePrechat(fields, {})).toEqual({ name: 'required' })
    expect(validatePrechat(fields, { name: '  ', email: 'x@' })).toEqual({ name: 'required', email: 'email' })
    expect(validatePrechat(fields, { name: 'Vera', email: 'vera@example.com' })).toEqual({})
  })

  it('keeps only trimmed, known, non-empty values', () => {
    expect(cleanPrechat(fields, { name: ' Vera ', order: '', other: 'x' })).toEqual({ name: 'Vera' })
  })
})
