import { describe, expect, it } from 'vitest'
import { alertForMessage } from './alerts'
import { applyMute, audibleUnread, inDnd, isMuted, muteBody, muteUntilBody } from './notifications'
import { msg } from './testing'

const NOW = Date.parse('2030-06-01T12:00:00Z')

describe('isMuted', () => {
  it('holds for ever, or until a time still ahead', () => {
    expect(isMuted(undefined, NOW)).toBe(false)
    expect(isMuted({ muted: false, muted_until: null }, NOW)).toBe(false)
    expect(isMuted({ muted: true, muted_until: null }, NOW)).toBe(true)
    expect(isMuted({ muted: true, muted_until: '2030-06-01T13:00:00Z' }, NOW)).toBe(true)
    expect(isMuted({ muted: true, muted_until: '2030-06-01T12:00:00Z' }, NOW)).toBe(false)
  })
})

describe('inDnd', () => {
  const night = { start: '22:00', end: '08:00', time_zone: 'Asia/Shanghai' }
  it('crosses midnight in its own zone', () => {
    // Shanghai is UTC+8: 14:00Z is 22:00 there, 23:59Z is 07:59, 00:00Z is 08:00.
    expect(inDnd(night, new Date('2030-06-01T13:59:00Z'))).toBe(false)
    expect(inDnd(night, new Date('2030-06-01T14:00:00Z'))).toBe(true)
    expect(inDnd(night, new Date('2030-06-01T16:30:00Z'))).toBe(true)
    expect(inDnd(night, new Date('2030-06-01T23:59:00Z'))).toBe(true)
    expect(inDnd(night, new Date('2030-06-02T00:00:00Z'))).toBe(false)
  })
  it('within one day, and never when off or unknown', () => {
    const lunch = { start: '12:00', end: '13:00', time_zone: 'UTC' }
    expect(inDnd(lunch, new Date('2030-06-01T12:30:00Z'))).toBe(true)
    expect(inDnd(lunch, new Date('2030-06-01T13:00:00Z'))).toBe(false)
    expect(inDnd(null, new Date(NOW))).toBe(false)
    expect(inDnd({ ...lunch, time_zone: 'Mars/Olympus' }, new Date(NOW))).toBe(false)
  })
})

describe('mute bodies', () => {
  it('turns a choice into a time ahead, or for ever', () => {
    expect(muteBody('1h', NOW)).toEqual({ muted_until: '2030-06-01T13:00:00Z' })
    expect(muteBody('8h', NOW)).toEqual({ muted_until: '2030-06-01T20:00:00Z' })
    expect(muteBody('1w', NOW)).toEqual({ muted_until: '2030-06-08T12:00:00Z' })
    expect(muteBody('forever', NOW)).toEqual({ muted_until: null, muted_forever: true })
  })
  it('refuses a custom time that is not ahead', () => {
    expect(muteUntilBody('', NOW)).toBeNull()
    expect(muteUntilBody('2030-05-01T10:00', NOW)).toBeNull()
    expect(muteUntilBody('2031-01-01T10:00', NOW)?.muted_until).toMatch(/^2031-01-01T\d\d:00:00Z$/)
  })
})

describe('totals and alerts leave muted conversations out', () => {
  const list = [
    { id: 1, unread: 3, muted: false, muted_until: null },
    { id: 2, unread: 5, muted: true, muted_until: null },
    { id: 3, unread: 2, muted: true, muted_until: '2030-06-01T11:00:00Z' }, // ended
  ]
  it('counts only conversations not muted now', () => {
    expect(audibleUnread(list, NOW)).toBe(5)
    expect(audibleUnread(applyMute(list, { conversation_id: 2, muted: false, muted_until: null }), NOW)).toBe(10)
  })
  it('a visitor message in a muted support chat raises no alert', () => {
    const m = msg(4, { conversation_id: 2, sender: { kind: 'visitor', id: 1, name: 'V' } })
    const quiet = (id: number) => isMuted(list.find((c) => c.id === id), NOW)
    const ctx = { myUserId: 5, viewing: null, pageVisible: true, quiet }
    expect(alertForMessage(m, new Set([1, 2]), ctx)).toBe(false)
    expect(alertForMessage({ ...m, conversation_id: 1 }, new Set([1, 2]), ctx)).toBe(true)
  })
})
