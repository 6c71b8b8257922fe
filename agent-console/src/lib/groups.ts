import { t } from './i18n'
import type { Group, GroupMember, GroupRole, JoinResult } from './types'

const RANK: Record<GroupRole, number> = { owner: 3, admin: 2, member: 1 }

function rankOf(role: string | null | undefined): number {
  return RANK[role as GroupRole] ?? 0
}

/** Whether `actor` stands above `target` (owner > admin > member). */
export function outranks(actor: string | null | undefined, target: string | null | undefined): boolean {
  return rankOf(actor) > rankOf(target)
}

/** Name, avatar, announcement, join policy, mute-all: owner and admins. */
export function canEditGroup(role: string | null | undefined): boolean {
  return rankOf(role) >= RANK.admin
}

/** Pending join requests and invite links: owner and admins. */
export function canManageJoining(role: string | null | undefined): boolean {
  return rankOf(role) >= RANK.admin
}

export function canDissolve(role: string | null | undefined): boolean {
  return role === 'owner'
}

/** The owner must hand the group over (or dissolve it) before leaving. */
export function canLeave(role: string | null | undefined): boolean {
  return rankOf(role) > 0 && role !== 'owner'
}

export interface MemberActions {
  makeAdmin: boolean
  removeAdmin: boolean
  mute: boolean
  unmute: boolean
  kick: boolean
  transfer: boolean
}

const NONE: MemberActions = { makeAdmin: false, removeAdmin: false, mute: false, unmute: false, kick: false, transfer: false }

/**
 * Which actions I may take on a member. The owner may do everything to
 * anyone else; an admin may kick and mute plain members (not other admins,
 * not the owner); a member may do nothing. Nobody acts on themselves here.
 */
export function memberActions(
  me: { id: number | null; role: string | null | undefined },
  target: Pick<GroupMember, 'role' | 'muted_until'> & { user: { id: number } },
  now: number,
): MemberActions {
  if (me.id === null || target.user.id === me.id || !outranks(me.role, target.role)) return NONE
  const muted = isMuted(target.muted_until, now)
  const owner = me.role === 'owner'
  return {
    makeAdmin: owner && target.role === 'member',
    removeAdmin: owner && target.role === 'admin',
    mute: !muted,
    unmute: muted,
    kick: true,
    transfer: owner,
  }
}

export function isMuted(mutedUntil: string | null | undefined, now: number): boolean {
  const t = mutedUntil ? Date.parse(mutedUntil) : NaN
  return Number.isFinite(t) && t > now
}

/** "Until unmuted" is a mute with no practical end. */
export const FOREVER = '9999-12-31T23:59:59Z'

export type MuteOption = '10m' | '1h' | '1d' | 'forever'

// Labels are getters so that they follow the language switch.
export const MUTE_OPTIONS: ReadonlyArray<{ value: MuteOption; label: string }> = (['10m', '1h', '1d', 'forever'] as const).map((value) => ({
  value,
  get label() {
    return t(`group.mute.${value}`)
  },
}))

const DURATION_MS: Record<Exclude<MuteOption, 'forever'>, number> = {
  '10m': 10 * 60_000,
  '1h': 60 * 60_000,
  '1d': 24 * 60 * 60_000,
}

/** The RFC 3339 `muted_until` for a choice, in UTC without milliseconds. */
export function muteUntil(option: MuteOption, now: number): string {
  if (option === 'forever') return FOREVER
  return new Date(now + DURATION_MS[option]).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** Whether a mute end is the "until unmuted" kind (anything past the year 9000). */
export function isIndefinite(until: string | null | undefined): boolean {
  const t = until ? Date.parse(until) : NaN
  return Number.isFinite(t) && new Date(t).getUTCFullYear() >= 9000
}

/** Owner first, then admins, then members; by name within a role. */
export function sortMembers(list: readonly GroupMember[]): GroupMember[] {
  const name = (m: GroupMember) => (m.user.nickname || m.user.username).toLocaleLowerCase()
  return list.slice().sort((a, b) => rankOf(b.role) - rankOf(a.role) || name(a).localeCompare(name(b)) || a.user.id - b.user.id)
}

export const ROLE_LABEL: Record<GroupRole, string> = {
  get owner() {
    return t('group.role.owner')
  },
  get admin() {
    return t('group.role.admin')
  },
  get member() {
    return t('group.role.member')
  },
}

export const POLICY_LABEL: Record<string, string> = {
  get open() {
    return t('group.policy.open')
  },
  get approval() {
    return t('group.policy.approval')
  },
  get invite() {
    return t('group.policy.invite')
  },
}

/**
 * Reads the answer of a join (by number or invite). The HTTP status and the
 * body must agree; a 202 is always "pending".
 */
export function joinOutcome(httpStatus: number, body: unknown): JoinResult | null {
  const b = (body ?? {}) as { status?: unknown; group?: unknown; request_id?: unknown }
  if (httpStatus === 202 || b.status === 'pending') {
    return { status: 'pending', request_id: Number(b.request_id) || 0 }
  }
  if (b.status === 'joined' && b.group && typeof (b.group as Group).id === 'number') {
    return { status: 'joined', group: b.group as Group }
  }
  return null
}

/** Parses a group number typed by a person ("123 456", "#123456"). */
export function parseGroupNumber(text: string): number | null {
  const digits = text.replace(/[\s#-]/g, '')
  if (!/^\d{1,15}$/.test(digits)) return null
  const n = Number(digits)
  return n > 0 ? n : null
}

/** Merges a group into my list (new or updated), newest first for new ones. */
export function upsertGroup(list: readonly Group[], g: Group): Group[] {
  const i = list.findIndex((x) => x.id === g.id)
  if (i < 0) return [g, ...list]
  const next = list.slice()
  // An update frame may lack my_role (it is sent to everyone): keep mine.
  next[i] = { ...list[i], ...g, my_role: g.my_role ?? list[i].my_role }
  return next
}
