import { describe, expect, it, vi } from 'vitest'
import { CATCH_UP_PAGE, History } from './history'
import type { Message } from './store'
import type { Page } from './types'

const msg = (seq: number): Message => ({
  id: 100 + seq,
  conversation_id: 7,
  seq,
  sender: { kind: 'user', id: 2, name: 'Ann' },
  kind: 'text',
  body: 'm' + seq,
  created_at: '',
})

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => msg(from + i))

describe('History', () => {
  it('loads the latest page and knows whether earlier messages exist', async () => {
    const fetchPage = vi.fn(async (): Promise<Page> => ({ items: [msg(5), msg(4)], next_cursor: 4 }))
    const h = new History(fetchPage)
    expect(await h.latest(7, () => true)).toBe(true)
    expect(fetchPage).toHaveBeenCalledWith(7, 'limit=50')
    expect(h.store.list().map((m) => m.seq)).toEqual([4, 5])
    expect(h.syncedSeq).toBe(5)
    expect(h.hasEarlier).toBe(true)
  })

  it('keeps nothing from a page that arrives after the conversation changed', async () => {
    const h = new History(async () => ({ items: [msg(1)], next_cursor: null }))
    expect(await h.latest(7, () => false)).toBe(false)
    expect(h.store.size).toBe(0)
  })

  it('loads earlier messages before the oldest one shown', async () => {
    const fetchPage = vi.fn(async (): Promise<Page> => ({ items: null, next_cursor: null }))
    const h = new History(fetchPage)
    h.store.merge([msg(9), msg(10)])
    await h.earlier(7, () => true)
    expect(fetchPage).toHaveBeenCalledWith(7, 'before_seq=9&limit=50')
    expect(h.hasEarlier).toBe(false)
  })

  it('catches up page by page from the last seq known in order', async () => {
    const pages: Record<string, Message[]> = {
      [`after_seq=3&limit=${CATCH_UP_PAGE}`]: range(4, CATCH_UP_PAGE),
      [`after_seq=${3 + CATCH_UP_PAGE}&limit=${CATCH_UP_PAGE}`]: [msg(4 + CATCH_UP_PAGE)],
    }
    const h = new History(async (_id, q) => ({ items: pages[q] ?? [], next_cursor: null }))
    h.store.merge([msg(1), msg(3)])
    h.received(msg(1))
    h.received(msg(2))
    h.received(msg(3))
    expect(h.syncedSeq).toBe(3)
    const got = await h.catchUp(7, () => true)
    expect(got).toHaveLength(CATCH_UP_PAGE + 1)
    expect(got[0].seq).toBe(4)
    expect(h.syncedSeq).toBe(4 + CATCH_UP_PAGE)
  })

  it('reports a gap in live messages without moving past it', () => {
    const h = new History(async () => ({ items: [], next_cursor: null }))
    expect(h.received(msg(1))).toEqual({ added: true, gap: false })
    expect(h.received(msg(3))).toEqual({ added: true, gap: true })
    expect(h.syncedSeq).toBe(1)
    expect(h.received(msg(3))).toEqual({ added: false, gap: true })
    h.reset()
    expect(h.syncedSeq).toBe(0)
    expect(h.store.size).toBe(0)
  })
})
