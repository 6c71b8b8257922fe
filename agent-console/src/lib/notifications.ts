// Per-conversation mutes and do-not-disturb hours, as the console applies
// them: a muted conversation (or any, inside the quiet hours) makes no
// sound and no desktop notification; its messages still count as unread,
// but not in the totals of the title and the navigation.
import type { Schemas } from './schemas'
import { totalUnread, type UnreadSource } from './unread'

export type Dnd = Schemas['DND']
export type MuteState = Schemas['MuteState']
export type NotificationSettings = Schemas['NotificationSettings']

/** What a conversation says of its mute (its list entry or a frame). */
export interface MuteFields {
  muted?: boolean
  muted_until?: string | null
}

/** Whether a mute holds at now (ms): for ever, or until a time still ahead. */
export function isMuted(c: MuteFields | null | undefined, now: number): boolean {
  if (!c?.muted) return false
  if (!c.muted_until) return true
  const until = Date.parse(c.muted_until)
  return Number.isNaN(until) || until > now
}

const HHMM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/

/** Whether a text is a time of day as HH:MM. */
export function isClockTime(s: string): boolean {
  return HHMM.test(s)
}

function minutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))
}

/** Minutes since midnight at `at` in an IANA zone (null when it is unknown). */
export function minutesIn(zone: string, at: Date): number | null {
  try {
    const parts = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at)
    const h = Number(parts.find((p) => p.type === 'hour')?.value)
    const m = Number(parts.find((p) => p.type === 'minute')?.value)
    return Number.isNaN(h) || Number.isNaN(m) ? null : (h % 24) * 60 + m
  } catch {
    return null
  }
}

/** Whether `at` falls in the quiet hours: start included, end excluded, crossing midnight when start > end. */
export function inDnd(d: Dnd | null | undefined, at: Date): boolean {
  if (!d || !isClockTime(d.start) || !isClockTime(d.end)) return false
  const m = minutesIn(d.time_zone, at)
  if (m === null) return false
  const start = minutes(d.start)
  const end = minutes(d.end)
  if (start === end) return false
  return start < end ? m >= start && m < end : m >= start || m < end
}

export type MuteChoice = '1h' | '8h' | '1w' | 'forever'

const CHOICE_MS: Record<Exclude<MuteChoice, 'forever'>, number> = {
  '1h': 3600_000,
  '8h': 8 * 3600_000,
  '1w': 7 * 24 * 3600_000,
}

export type MuteBody = { muted_until: string | null; muted_forever?: boolean }

/** The request body of a mute choice made at now (ms). */
export function muteBody(choice: MuteChoice, now: number): MuteBody {
  if (choice === 'forever') return { muted_until: null, muted_forever: true }
  return { muted_until: new Date(now + CHOICE_MS[choice]).toISOString().replace(/\.\d{3}Z$/, 'Z') }
}

/** The body of a mute until a local date-time typed in an <input type="datetime-local">; null when not a time ahead. */
export function muteUntilBody(local: string, now: number): MuteBody | null {
  const at = Date.parse(local)
  if (!local || Number.isNaN(at) || at <= now) return null
  return { muted_until: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z') }
}

/** The unread messages that count in totals: those of conversations not muted. */
export function audibleUnread<T extends MuteFields & UnreadSource>(list: readonly T[], now: number): number {
  return totalUnread(list, (c) => isMuted(c, now))
}

/** A list with one conversation's mute replaced. */
export function applyMute<T extends MuteFields & { id: number }>(list: readonly T[], m: MuteState): T[] {
  return list.map((c) => (c.id === m.conversation_id ? { ...c, muted: m.muted, muted_until: m.muted_until } : c))
}
