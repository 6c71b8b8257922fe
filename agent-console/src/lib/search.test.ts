import { describe, expect, it, vi } from 'vitest'
import { highlightSegments, isSearchShortcut, searchMessages, searchPath } from './search'

describe('searchPath', () => {
  it('encodes the query and sets only the filters given', () => {
    expect(searchPath('你好 world')).toBe('/api/v1/search?q=%E4%BD%A0%E5%A5%BD+world')
    expect(searchPath('a&b', { conversationId: 7, senderId: 3 }, 'bTo5')).toBe(
      '/api/v1/search?q=a%26b&conversation_id=7&sender_id=3&cursor=bTo5',
    )
  })
})

describe('searchMessages', () => {
  it('returns the items of the page', async () => {
    const get = vi.fn(async () => ({ items: [{ conversation_id: 1, seq: 2 }], next_cursor: null }))
    const hits = await searchMessages(get as never, 'x', { conversationId: 1 })
    expect(get).toHaveBeenCalledWith('/api/v1/search?q=x&conversation_id=1')
    expect(hits).toEqual([{ conversation_id: 1, seq: 2 }])
  })
})

describe('highlightSegments', () => {
  it('splits marks from text and unescapes both', () => {
    expect(highlightSegments('你好<mark>世界</mark> &lt;b&gt; <mark>&amp;</mark>')).toEqual([
      { text: '你好', mark: false },
      { text: '世界', mark: true },
      { text: ' <b> ', mark: false },
      { text: '&', mark: true },
    ])
  })

  it('keeps text without marks whole', () => {
    expect(highlightSegments('plain &#39;text&#39;')).toEqual([{ text: "plain 'text'", mark: false }])
    expect(highlightSegments('')).toEqual([])
  })
})

describe('isSearchShortcut', () => {
  it('takes Ctrl+K and Cmd+K anywhere, and / only outside text fields', () => {
    expect(isSearchShortcut({ key: 'k', ctrlKey: true }, true)).toBe(true)
    expect(isSearchShortcut({ key: 'K', metaKey: true }, false)).toBe(true)
    expect(isSearchShortcut({ key: '/' }, false)).toBe(true)
    expect(isSearchShortcut({ key: '/' }, true)).toBe(false)
    expect(isSearchShortcut({ key: 'k' }, false)).toBe(false)
    expect(isSearchShortcut({ key: 'k', ctrlKey: true, isComposing: true }, false)).toBe(false)
  })
})
