import { describe, expect, it } from 'vitest'
import { cannedQueryAt, insertCanned, matchCanned, moveSelection } from './canned'

const list = [
  { id: 1, shortcut: 'hello', body: 'Hello! How can I help you today?' },
  { id: 2, shortcut: 'refund', body: 'Refunds take 5 business days.' },
  { id: 3, shortcut: 'thanks', body: 'Thank you for waiting.' },
  { id: 4, shortcut: 'shipping', body: 'We ship worldwide.' },
  { id: 5, shortcut: 'help', body: 'Here is our help centre.' },
]

describe('cannedQueryAt', () => {
  it('finds a slash word at the caret', () => {
    expect(cannedQueryAt('/he')).toEqual({ start: 0, end: 3, query: 'he' })
    expect(cannedQueryAt('Sure. /Ref')).toEqual({ start: 6, end: 10, query: 'ref' })
    expect(cannedQueryAt('/')).toEqual({ start: 0, end: 1, query: '' })
    expect(cannedQueryAt('line one\n/th')).toEqual({ start: 9, end: 12, query: 'th' })
  })

  it('uses the caret, not the end of the text', () => {
    expect(cannedQueryAt('/he and more', 3)).toEqual({ start: 0, end: 3, query: 'he' })
    expect(cannedQueryAt('/he and more')).toBeNull()
  })

  it('ignores slashes inside words, URLs and after a space', () => {
    expect(cannedQueryAt('1/2')).toBeNull()
    expect(cannedQueryAt('see https://example.com/he')).toBeNull()
    expect(cannedQueryAt('/hello ')).toBeNull()
  })
})

describe('matchCanned', () => {
  it('puts shortcuts starting with the query first, then containing it', () => {
    expect(matchCanned(list, 'he').map((c) => c.shortcut)).toEqual(['hello', 'help'])
    expect(matchCanned(list, 'ip').map((c) => c.shortcut)).toEqual(['shipping'])
    expect(matchCanned(list, 'in').map((c) => c.shortcut)).toEqual(['shipping', 'refund', 'thanks'])
  })

  it('also searches the text for longer queries', () => {
    expect(matchCanned(list, 'worldwide').map((c) => c.shortcut)).toEqual(['shipping'])
    expect(matchCanned(list, 'w').map((c) => c.shortcut)).toEqual([])
  })

  it('lists all (up to max) for a bare slash, case-insensitively', () => {
    expect(matchCanned(list, '').map((c) => c.shortcut)).toEqual(['hello', 'help', 'refund', 'shipping', 'thanks'])
    expect(matchCanned(list, '', 2)).toHaveLength(2)
    expect(matchCanned([{ id: 9, shortcut: '/Bye', body: 'Bye' }], 'by').map((c) => c.id)).toEqual([9])
  })
})

describe('insertCanned', () => {
  it('replaces the typed shortcut and puts the caret after the text', () => {
    const text = 'Hi! /ref and more'
    const q = cannedQueryAt(text, 8)!
    const out = insertCanned(text, q, 'Refunds take 5 business days.')
    expect(out.text).toBe('Hi! Refunds take 5 business days. and more')
    expect(out.caret).toBe(4 + 'Refunds take 5 business days.'.length)
  })
})

describe('moveSelection', () => {
  it('wraps around', () => {
    expect(moveSelection(0, 3, 1)).toBe(1)
    expect(moveSelection(2, 3, 1)).toBe(0)
    expect(moveSelection(0, 3, -1)).toBe(2)
    expect(moveSelection(0, 0, 1)).toBe(0)
  })
})
