import { describe, expect, it } from 'vitest'
import {
  canDissolve,
  canEditGroup,
  canLeave,
  canManageJoining,
  FOREVER,
  isIndefinite,
  isMuted,
  joinOutcome,
  memberActions,
  muteUntil,
  parseGroupNumber,
  sortMembers,
  upsertGroup,
} from './groups'
import type { Group, GroupMember, GroupRole } from './types'

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0)
const member = (id: number, role: GroupRole, muted_until: string | null = null, nickname = `N${id}`): GroupMember => ({
  user: { id, username: `u${id}`, nickname, avatar_url: '' },
  role,
  muted_until,
  joined_at: '2025-01-01T00:00:00Z',
})
const group = (over: Partial<Group> = {}): Group => ({
  id: 1,
  number: 100001,
  name: 'G',
  avatar_url: '',
  announcement: '',
  join_policy: 'open',
  mute_all: false,
  member_count: 1,
  member_cap: 500,
  owner_id: 1,
  conversation_id: 9,
  my_role: 'owner',
  created_at: '2025-01-01T00:00:00Z',
  ...over,
})

describe('member actions', () => {
  const visible = (a: ReturnType<typeof memberActions>) =>
    Object.entries(a)
      .filter(([, v]) => v)
      .map(([k]) => k)
      .sort()

  it('lets the owner do everything to others', () => {
    const owner = { id: 1, role: 'owner' }
    expect(visible(memberActions(owner, member(2, 'member'), NOW))).toEqual(['kick', 'makeAdmin', 'mute', 'transfer'])
    expect(visible(memberActions(owner, member(3, 'admin'), NOW))).toEqual(['kick', 'mute', 'removeAdmin', 'transfer'])
  })

  it('lets an admin kick and mute members only', () => {
    const admin = { id: 2, role: 'admin' }
    expect(visible(memberActions(admin, member(5, 'member'), NOW))).toEqual(['kick', 'mute'])
    expect(visible(memberActions(admin, member(3, 'admin'), NOW))).toEqual([])
    expect(visible(memberActions(admin, member(1, 'owner'), NOW))).toEqual([])
  })

  it('gives members and outsiders nothing, and nobody acts on themselves', () => {
    expect(visible(memberActions({ id: 5, role: 'member' }, member(6, 'member'), NOW))).toEqual([])
    expect(visible(memberActions({ id: 5, role: undefined }, member(6, 'member'), NOW))).toEqual([])
    expect(visible(memberActions({ id: 1, role: 'owner' }, member(1, 'owner'), NOW))).toEqual([])
    expect(visible(memberActions({ id: null, role: 'owner' }, member(1, 'member'), NOW))).toEqual([])
  })

  it('offers unmute instead of mute while a mute runs', () => {
    const owner = { id: 1, role: 'owner' }
    const future = new Date(NOW + 60_000).toISOString()
    const past = new Date(NOW - 60_000).toISOString()
    expect(memberActions(owner, member(2, 'member', future), NOW)).toMatchObject({ mute: false, unmute: true })
    expect(memberActions(owner, member(2, 'member', past), NOW)).toMatchObject({ mute: true, unmute: false })
  })

  it('keeps group-level actions to the right roles', () => {
    expect([canEditGroup('owner'), canEditGroup('admin'), canEditGroup('member'), canEditGroup(undefined)]).toEqual([true, true, false, false])
    expect([canManageJoining('admin'), canManageJoining('member')]).toEqual([true, false])
    expect([canDissolve('owner'), canDissolve('admin')]).toEqual([true, false])
    expect([canLeave('owner'), canLeave('admin'), canLeave('member'), canLeave(null)]).toEqual([false, true, true, false])
  })
})

describe('mutes', () => {
  it('computes RFC 3339 ends without milliseconds', () => {
    const now = NOW + 123
    expect(muteUntil('10m', now)).toBe('2025-01-01T12:10:00Z')
    expect(muteUntil('1h', now)).toBe('2025-01-01T13:00:00Z')
    expect(muteUntil('1d', now)).toBe('2025-01-02T12:00:00Z')
    expect(muteUntil('forever', now)).toBe(FOREVER)
  })

  it('knows running, ended and indefinite mutes', () => {
    expect(isMuted(muteUntil('10m', NOW), NOW)).toBe(true)
    expect(isMuted(muteUntil('10m', NOW), NOW + 10 * 60_000)).toBe(false)
    expect(isMuted(null, NOW)).toBe(false)
    expect(isMuted('garbage', NOW)).toBe(false)
    expect(isIndefinite(FOREVER)).toBe(true)
    expect(isIndefinite(muteUntil('1d', NOW))).toBe(false)
  })
})

describe('lists and joins', () => {
  it('sorts members owner, admins, members, then by name', () => {
    const s = sortMembers([member(4, 'member', null, 'bo'), member(3, 'admin', null, 'zz'), member(5, 'member', null, 'Al'), member(1, 'owner')])
    expect(s.map((m) => m.user.id)).toEqual([1, 3, 5, 4])
  })

  it('reads join answers', () => {
    const g = group()
    expect(joinOutcome(200, { status: 'joined', group: g })).toEqual({ status: 'joined', group: g })
    expect(joinOutcome(202, { status: 'pending', request_id: 12 })).toEqual({ status: 'pending', request_id: 12 })
    expect(joinOutcome(202, {})).toEqual({ status: 'pending', request_id: 0 })
    expect(joinOutcome(200, { status: 'joined' })).toBeNull()
    expect(joinOutcome(200, undefined)).toBeNull()
  })

  it('parses typed group numbers', () => {
    expect(parseGroupNumber(' 123 456 ')).toBe(123456)
    expect(parseGroupNumber('#100-001')).toBe(100001)
    expect(parseGroupNumber('12a')).toBeNull()
    expect(parseGroupNumber('0')).toBeNull()
    expect(parseGroupNumber('')).toBeNull()
  })

  it('merges group updates and keeps my role when a frame lacks it', () => {
    const list = [group({ id: 1 }), group({ id: 2, my_role: 'member' })]
    const next = upsertGroup(list, { ...group({ id: 2, name: 'Renamed', mute_all: true }), my_role: undefined })
    expect(next[1]).toMatchObject({ id: 2, name: 'Renamed', mute_all: true, my_role: 'member' })
    expect(upsertGroup(list, group({ id: 3 })).map((g) => g.id)).toEqual([3, 1, 2])
  })
})
