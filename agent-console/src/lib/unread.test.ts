import { describe, expect, it } from 'vitest'
import { titleWithUnread } from './alerts'
import { badgeText, totalUnread } from './unread'

describe('totalUnread', () => {
  const convs = [
    { id: 1, unread: 2 },
    { id: 2, unread: 0 },
    { id: 3, unread: 5 },
    { id: 4, unread: -1 },
  ]

  it('adds every conversation up, ignoring nonsense', () => {
    expect(totalUnread(convs)).toBe(7)
    expect(totalUnread([])).toBe(0)
  })

  it('leaves out what skip names', () => {
    expect(totalUnread(convs, (c) => c.id === 3)).toBe(2)
  })

  it('feeds the title', () => {
    expect(titleWithUnread('Parley', totalUnread(convs))).toBe('(7) Parley')
    expect(titleWithUnread('Parley', totalUnread([{ id: 1, unread: 0 }]))).toBe('Parley')
  })
})

describe('badgeText', () => {
  it('is empty at 0 and caps at 9+', () => {
    expect(badgeText(0)).toBe('')
    expect(badgeText(-3)).toBe('')
    expect(badgeText(1)).toBe('1')
    expect(badgeText(9)).toBe('9')
    expect(badgeText(10)).toBe('9+')
  })
})
