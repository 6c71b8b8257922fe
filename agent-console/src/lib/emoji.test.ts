import { describe, expect, it } from 'vitest'
import { emojiDataURL, insertAt } from './emoji'

describe('insertAt', () => {
  it('inserts at the caret', () => {
    expect(insertAt('hello world', 5, 5, '😀')).toEqual({ text: 'hello😀 world', caret: 7 })
    expect(insertAt('', 0, 0, '👍')).toEqual({ text: '👍', caret: 2 })
  })

  it('replaces a selection', () => {
    expect(insertAt('I am sad', 5, 8, '😢')).toEqual({ text: 'I am 😢', caret: 7 })
  })

  it('copes with positions out of range', () => {
    expect(insertAt('abc', 10, 12, '!')).toEqual({ text: 'abc!', caret: 4 })
    expect(insertAt('abc', 2, 1, '!')).toEqual({ text: 'ab!c', caret: 3 })
  })
})

describe('emojiDataURL', () => {
  it('serves the data of the console language from the console', () => {
    expect(emojiDataURL('/console/', 'en')).toBe('/console/emoji/en.json')
    expect(emojiDataURL('/console', 'zh-CN')).toBe('/console/emoji/zh-CN.json')
  })
})
