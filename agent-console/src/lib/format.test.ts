import { describe, expect, it } from 'vitest'
import { formatDate, formatDateTime, formatDay, formatTime, initials } from './format'

describe('formatTime', () => {
  const now = new Date(2025, 5, 18, 15, 0) // a Wednesday

  it('shows only the time today', () => {
    expect(formatTime(new Date(2025, 5, 18, 9, 5).toISOString(), now, 'en-GB')).toBe('09:05')
  })

  it('adds the weekday within the last week', () => {
    expect(formatTime(new Date(2025, 5, 16, 9, 5).toISOString(), now, 'en-GB')).toBe('Mon 09:05')
  })

  it('shows a date for anything older', () => {
    expect(formatTime(new Date(2025, 0, 2, 9, 5).toISOString(), now, 'en-GB')).toBe('2 Jan 2025')
  })

  it('shows the date and time of a moment after today', () => {
    expect(formatTime(new Date(2025, 5, 20, 9, 5).toISOString(), now, 'en-GB')).toBe('20 Jun 2025 09:05')
  })

  it('copes with a bad time', () => {
    expect(formatTime('not a time', now)).toBe('')
    expect(formatDateTime('not a time')).toBe('')
    expect(formatDate('')).toBe('')
  })

  it('follows the interface language', () => {
    const at = new Date(2025, 0, 2, 9, 5).toISOString()
    expect(formatTime(at, now, 'zh-CN')).toBe('2025年1月2日')
    expect(formatTime(at, now, 'en')).toBe('Jan 2, 2025')
    expect(formatDateTime(at, 'zh-CN')).toBe('2025年1月2日 09:05')
    expect(formatDateTime(at, 'en-GB')).toBe('2 Jan 2025 09:05')
  })
})

describe('formatDay', () => {
  it('shows a report day in the interface language, whatever the time zone', () => {
    expect(formatDay('2025-01-02', 'en-GB')).toBe('2 Jan 2025')
    expect(formatDay('2025-01-02', 'zh-CN')).toBe('2025年1月2日')
    expect(formatDay('garbage', 'en-GB')).toBe('garbage')
  })
})

describe('initials', () => {
  it('takes the first letters of the first and last word', () => {
    expect(initials('ada lovelace')).toBe('AL')
    expect(initials('bob')).toBe('B')
    expect(initials('  ')).toBe('?')
    expect(initials('Émile Zola Jr')).toBe('ÉJ')
  })
})
