import { describe, expect, it, vi } from 'vitest'
import { fetchAfter, fetchBefore, fetchConversations, fetchLatest, searchUsers, type Getter } from './chatApi'
import { msg } from './testing'
import type { Message } from './types'

/** A fake server holding seqs 1..last of conversation 7. */
function server(last: number, opts: { descending?: boolean; ignoreCursor?: boolean } = {}) {
  const all = Array.from({ length: last }, (_, i) => msg(i + 1))
  const paths: string[] = []
  const get = vi.fn(async (path: string) => {
    paths.push(path)
    const url = new URL(path, 'http://x')
    const limit = Number(url.searchParams.get('limit') ?? 50)
    const after = url.searchParams.get('after_seq')
    const before = url.searchParams.get('before_seq')
    let items: Message[]
    if (after !== null && !opts.ignoreCursor) items = all.filter((m) => m.seq > Number(after)).slice(0, limit)
    else if (before !== null) items = all.filter((m) => m.seq < Number(before)).slice(-limit)
    else items = all.slice(-limit)
    if (opts.descending) items = items.slice().reverse()
    return { items, next_cursor: null }
  }) as unknown as Getter
  return { get, paths }
}

describe('message paging', () => {
  it('loads the newest page ascending', async () => {
    const { get, paths } = server(120)
    const items = await fetchLatest(get, 7)
    expect(items.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 71 + i))
    expect(paths).toEqual(['/api/v1/conversations/7/messages?limit=50'])
  })

  it('loads the page before a seq', async () => {
    const { get, paths } = server(120)
    const items = await fetchBefore(get, 7, 71)
    expect(items[0].seq).toBe(21)
    expect(items[items.length - 1].seq).toBe(70)
    expect(paths[0]).toBe('/api/v1/conversations/7/messages?before_seq=71&limit=50')
  })

  it('fetches a gap page by page until a page is empty', async () => {
    const { get, paths } = server(130)
    const items = await fetchAfter(get, 7, 12)
    expect(items.map((m) => m.seq)).toEqual(Array.from({ length: 118 }, (_, i) => 13 + i))
    expect(paths).toEqual([
      '/api/v1/conversations/7/messages?after_seq=12&limit=50',
      '/api/v1/conversations/7/messages?after_seq=62&limit=50',
      '/api/v1/conversations/7/messages?after_seq=112&limit=50',
      '/api/v1/conversations/7/messages?after_seq=130&limit=50',
    ])
  })

  it('returns nothing when already up to date', async () => {
    const { get, paths } = server(5)
    expect(await fetchAfter(get, 7, 5)).toEqual([])
    expect(paths).toHaveLength(1)
  })

  it('sorts pages a server sends in the wrong order', async () => {
    const { get } = server(60, { descending: true })
    expect((await fetchLatest(get, 7, 3)).map((m) => m.seq)).toEqual([58, 59, 60])
    expect((await fetchAfter(get, 7, 55, 3)).map((m) => m.seq)).toEqual([56, 57, 58, 59, 60])
  })

  it('stops when the server makes no progress instead of looping', async () => {
    const { get, paths } = server(10, { ignoreCursor: true })
    const items = await fetchAfter(get, 7, 3, 50)
    expect(items.map((m) => m.seq)).toEqual([4, 5, 6, 7, 8, 9, 10])
    expect(paths).toHaveLength(2)
  })
})

describe('lists', () => {
  it('normalises a conversation page', async () => {
    const get = (async () => ({ items: null, next_cursor: undefined })) as unknown as Getter
    expect(await fetchConversations(get)).toEqual({ items: [], next_cursor: null })
  })

  it('escapes the search term', async () => {
    const paths: string[] = []
    const get = (async (p: string) => {
      paths.push(p)
      return { items: [] }
    }) as unknown as Getter
    await searchUsers(get, 'a&b c')
    expect(paths[0]).toBe('/api/v1/users/search?q=a%26b%20c')
  })
})
