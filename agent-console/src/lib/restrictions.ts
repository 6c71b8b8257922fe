import { formatTime } from './format'
import { isIndefinite, isMuted } from './groups'
import { locale as currentLocale, t } from './i18n'
import type { Group, GroupMember } from './types'

/** Why I cannot write in a conversation right now. */
export type Restriction =
  | { kind: 'muted'; until: string | null }
  | { kind: 'muted_all' }
  | { kind: 'not_friends' }
  | { kind: 'blocked' }

/**
 * Turns a refused send (an error frame, or a REST 422 body) into a
 * restriction, or null for errors that are not about the right to speak.
 */
export function restrictionFromError(err: { code?: unknown; until?: unknown } | null | undefined): Restriction | null {
  if (!err) return null
  switch (err.code) {
    case 'muted': {
      const until = typeof err.until === 'string' && Number.isFinite(Date.parse(err.until)) ? err.until : null
      return { kind: 'muted', until }
    }
    case 'muted_all':
      return { kind: 'muted_all' }
    case 'not_friends':
      return { kind: 'not_friends' }
    case 'blocked':
      return { kind: 'blocked' }
    default:
      return null
  }
}

function formatUntil(iso: string, now: number, locale: string = currentLocale.value): string {
  return formatTime(iso, new Date(now), locale)
}

/** The sentence shown above a disabled composer. */
export function restrictionText(r: Restriction, now: number, locale?: string): string {
  switch (r.kind) {
    case 'muted':
      if (!r.until || isIndefinite(r.until)) return t('restrict.mutedForever')
      return t('restrict.mutedUntil', { time: formatUntil(r.until, now, locale) })
    case 'muted_all':
      return t('restrict.mutedAll')
    case 'not_friends':
      return t('restrict.notFriends')
    case 'blocked':
      return t('restrict.blocked')
  }
}

export interface RestrictionInput {
  kind: 'direct' | 'group' | 'support' | string
  /** The group behind a group conversation, if known. */
  group?: Pick<Group, 'mute_all' | 'my_role'> | null
  /** My own membership, if the member list was loaded. */
  me?: Pick<GroupMember, 'muted_until' | 'role'> | null
  /** The last restriction a refused send reported for this conversation. */
  reported?: Restriction | null
  now: number
}

/**
 * The restriction in force, from what the console knows: a mute seen in
 * my membership or reported by a refused send (until it runs out), mute-all
 * for plain members, or a direct-chat refusal. Known state beats a stale
 * report: once the group says mute-all is off, an old `muted_all` is gone.
 */
export function activeRestriction(i: RestrictionInput): Restriction | null {
  const role = i.me?.role ?? i.group?.my_role ?? null
  const privileged = role === 'owner' || role === 'admin'
  if (i.kind === 'group') {
    if (i.me && isMuted(i.me.muted_until, i.now)) return { kind: 'muted', until: i.me.muted_until }
    const r = i.reported
    // A report without an end holds until the membership says otherwise.
    if (r?.kind === 'muted' && (r.until ? isMuted(r.until, i.now) : !i.me)) return r
    if (!privileged) {
      if (i.group?.mute_all) return { kind: 'muted_all' }
      if (r?.kind === 'muted_all' && !i.group) return r
    }
    return null
  }
  if (i.kind === 'direct' && (i.reported?.kind === 'not_friends' || i.reported?.kind === 'blocked')) return i.reported
  return null
}
