import { describe, expect, it } from 'vitest'
import { formatTime, initials } from './format'

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

  it('copes with a bad time', () => {
    expect(formatTime('not a time', now)).toBe('')
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
