import { describe, expect, it } from 'vitest'
import { fetchMessage, missingQuotes, quoteOf, quoteText } from './replies'
import type { Message } from './types'

function msg(seq: number, body: string, extra: Partial<Message> = {}): Message {
  return {
    id: seq * 10,
    conversation_id: 7,
    seq,
    client_msg_id: `c${seq}`,
    sender: { kind: 'user', id: 1, name: 'Ann' },
    kind: 'text',
    body,
    created_at: '2026-01-01T00:00:00Z',
    ...extra,
  }
}

describe('quoteOf', () => {
  const held = [msg(3, 'hello there'), msg(4, 'ok', { reply_to_seq: 3 })]

  it('quotes a held message by seq with its sender', () => {
    expect(quoteOf(3, held)).toEqual({ seq: 3, found: true, sender: 'Ann', text: 'hello there' })
  })

  it('says "Earlier message" when the original is not loaded', () => {
    expect(quoteOf(1, held)).toEqual({ seq: 1, found: false, sender: '', text: 'Earlier message' })
  })

  it('uses fetched originals too', () => {
    const extra = new Map([[1, msg(1, 'first', { sender: { kind: 'visitor', id: 12, name: 'Visitor' } })]])
    expect(quoteOf(1, held, extra)).toMatchObject({ found: true, sender: 'Visitor', text: 'first' })
  })

  it('is null for messages that reply to nothing', () => {
    expect(quoteOf(undefined, held)).toBeNull()
    expect(quoteOf(null, held)).toBeNull()
    expect(quoteOf(0, held)).toBeNull()
  })
})

describe('quoteText', () => {
  it('summarises media, recalls and long text', () => {
    expect(quoteText(msg(1, '', { kind: 'image' }))).toBe('[Image]')
    expect(quoteText(msg(1, 'x', { recalled_at: '2026-01-01T00:01:00Z' }))).toBe('Message recalled')
    const long = quoteText(msg(1, 'a'.repeat(300)))
    expect(long).toHaveLength(120)
    expect(long.endsWith('…')).toBe(true)
    expect(quoteText(msg(1, 'two\n\nlines'))).toBe('two lines')
  })
})

describe('missingQuotes', () => {
  it('lists quoted seqs that are neither held nor fetched, once each', () => {
    const held = [msg(5, 'a', { reply_to_seq: 2 }), msg(6, 'b', { reply_to_seq: 5 }), msg(7, 'c', { reply_to_seq: 2 }), msg(8, 'd', { reply_to_seq: 1 })]
    expect(missingQuotes(held)).toEqual([1, 2])
    expect(missingQuotes(held, new Map([[1, msg(1, 'x')]]))).toEqual([2])
  })
})

describe('fetchMessage', () => {
  it('asks for the one message at seq', async () => {
    const paths: string[] = []
    const get = async <T,>(path: string): Promise<T> => {
      paths.push(path)
      return { items: [msg(4, 'found')], next_cursor: null } as T
    }
    expect((await fetchMessage(get, 7, 4))?.body).toBe('found')
    expect(paths).toEqual(['/api/v1/conversations/7/messages?after_seq=3&limit=1'])
  })

  it('is null when the seq does not exist', async () => {
    const get = async <T,>(): Promise<T> => ({ items: [msg(9, 'later')], next_cursor: null }) as T
    expect(await fetchMessage(get, 7, 4)).toBeNull()
    const empty = async <T,>(): Promise<T> => ({ items: [], next_cursor: null }) as T
    expect(await fetchMessage(empty, 7, 4)).toBeNull()
  })
})
