import { describe, expect, it } from 'vitest'
import { FOREVER } from './groups'
import { activeRestriction, restrictionFromError, restrictionText } from './restrictions'

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0)
const later = (ms: number) => new Date(NOW + ms).toISOString()

describe('restrictionFromError', () => {
  it('reads a muted error with its end', () => {
    expect(restrictionFromError({ code: 'muted', until: '2025-01-01T13:00:00Z' })).toEqual({
      kind: 'muted',
      until: '2025-01-01T13:00:00Z',
    })
  })

  it('keeps a mute whose end is missing or unreadable, without an end', () => {
    expect(restrictionFromError({ code: 'muted' })).toEqual({ kind: 'muted', until: null })
    expect(restrictionFromError({ code: 'muted', until: 'soon' })).toEqual({ kind: 'muted', until: null })
  })

  it('reads the other refusals and ignores unrelated errors', () => {
    expect(restrictionFromError({ code: 'muted_all' })).toEqual({ kind: 'muted_all' })
    expect(restrictionFromError({ code: 'not_friends' })).toEqual({ kind: 'not_friends' })
    expect(restrictionFromError({ code: 'blocked' })).toEqual({ kind: 'blocked' })
    expect(restrictionFromError({ code: 'rate_limited' })).toBeNull()
    expect(restrictionFromError(undefined)).toBeNull()
  })
})

describe('restrictionText', () => {
  it('says until when', () => {
    const text = restrictionText({ kind: 'muted', until: later(30 * 60_000) }, NOW)
    expect(text).toMatch(/^You are muted until .*\d.*\.$/)
    expect(restrictionText({ kind: 'muted', until: FOREVER }, NOW)).toBe('You are muted in this group until an admin unmutes you.')
    expect(restrictionText({ kind: 'muted_all' }, NOW)).toBe('Only admins can speak now.')
    expect(restrictionText({ kind: 'not_friends' }, NOW)).toMatch(/friend/)
    expect(restrictionText({ kind: 'blocked' }, NOW)).toMatch(/blocked/)
  })
})

describe('activeRestriction', () => {
  it('mutes a member whose own mute is running, and lets it run out', () => {
    const me = { role: 'member' as const, muted_until: later(60_000) }
    expect(activeRestriction({ kind: 'group', me, now: NOW })).toEqual({ kind: 'muted', until: me.muted_until })
    expect(activeRestriction({ kind: 'group', me, now: NOW + 60_001 })).toBeNull()
  })

  it('silences plain members under mute-all, never owners or admins', () => {
    const group = { mute_all: true, my_role: 'member' as const }
    expect(activeRestriction({ kind: 'group', group, now: NOW })).toEqual({ kind: 'muted_all' })
    expect(activeRestriction({ kind: 'group', group: { ...group, my_role: 'admin' }, now: NOW })).toBeNull()
    // The membership's role is more current than the group list's.
    expect(activeRestriction({ kind: 'group', group, me: { role: 'admin', muted_until: null }, now: NOW })).toBeNull()
  })

  it('drops a stale muted_all report once the group says it is off', () => {
    const reported = { kind: 'muted_all' as const }
    expect(activeRestriction({ kind: 'group', reported, now: NOW })).toEqual(reported)
    expect(activeRestriction({ kind: 'group', group: { mute_all: false, my_role: 'member' }, reported, now: NOW })).toBeNull()
  })

  it('honours a reported mute until it ends; an open-ended one until the membership is known', () => {
    const reported = { kind: 'muted' as const, until: later(60_000) }
    expect(activeRestriction({ kind: 'group', reported, now: NOW })).toEqual(reported)
    expect(activeRestriction({ kind: 'group', reported, now: NOW + 61_000 })).toBeNull()
    const open = { kind: 'muted' as const, until: null }
    expect(activeRestriction({ kind: 'group', reported: open, now: NOW })).toEqual(open)
    expect(activeRestriction({ kind: 'group', reported: open, me: { role: 'member', muted_until: null }, now: NOW })).toBeNull()
  })

  it('keeps direct-chat refusals to direct chats', () => {
    expect(activeRestriction({ kind: 'direct', reported: { kind: 'not_friends' }, now: NOW })).toEqual({ kind: 'not_friends' })
    expect(activeRestriction({ kind: 'direct', reported: { kind: 'muted_all' }, now: NOW })).toBeNull()
    expect(activeRestriction({ kind: 'group', reported: { kind: 'blocked' }, now: NOW })).toBeNull()
    expect(activeRestriction({ kind: 'support', now: NOW })).toBeNull()
  })
})
