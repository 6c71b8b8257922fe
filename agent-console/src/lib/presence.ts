import { formatDate } from './format'
import { locale as currentLocale, t } from './i18n'
import type { Presence, PresenceStatus } from './types'

const STATUSES: ReadonlySet<string> = new Set(['online', 'away', 'offline'])

/** What the console knows of one user's presence, and when it learnt it. */
export interface PresenceEntry extends Presence {
  /** Epoch ms at which this was received (a live frame) or fetched (a list). */
  at: number
}

export type PresenceMap = Record<number, PresenceEntry>

/** Reads a presence frame (or a presence object of a list item); null if malformed. */
export function parsePresence(raw: unknown): Presence | null {
  if (!raw || typeof raw !== 'object') return null
  const r = raw as { status?: unknown; last_seen_at?: unknown }
  if (typeof r.status !== 'string' || !STATUSES.has(r.status)) return null
  const seen = typeof r.last_seen_at === 'string' && r.last_seen_at ? r.last_seen_at : null
  return { status: r.status as PresenceStatus, last_seen_at: seen }
}

/**
 * Applies a live `presence` frame. Returns the new map, or null when the
 * frame is malformed or changes nothing (so callers can skip a re-render).
 */
export function applyPresenceFrame(map: PresenceMap, frame: unknown, now: number): PresenceMap | null {
  const p = parsePresence(frame)
  const id = Number((frame as { user_id?: unknown } | null)?.user_id)
  if (!p || !Number.isInteger(id) || id <= 0) return null
  const held = map[id]
  if (held && held.status === p.status && held.last_seen_at === p.last_seen_at) return null
  // Going offline without a time still means "seen just now".
  const lastSeen = p.status === 'offline' && !p.last_seen_at ? new Date(now).toISOString() : p.last_seen_at
  return { ...map, [id]: { status: p.status, last_seen_at: lastSeen, at: now } }
}

/**
 * Seeds presence from a list the server answered (friends, group members).
 * `fetchedAt` is when the request was sent: a live frame received after that
 * is newer than the list and wins over it.
 */
export function seedPresence(
  map: PresenceMap,
  entries: ReadonlyArray<{ id: number; presence?: unknown }>,
  fetchedAt: number,
): PresenceMap {
  let out: PresenceMap | null = null
  for (const e of entries) {
    const p = parsePresence(e.presence)
    if (!p) continue
    const held = (out ?? map)[e.id]
    if (held && held.at > fetchedAt) continue
    if (held && held.status === p.status && held.last_seen_at === p.last_seen_at) continue
    out = out ?? { ...map }
    out[e.id] = { ...p, at: fetchedAt }
  }
  return out ?? map
}

export function statusOf(map: PresenceMap, userId: number | null | undefined): PresenceStatus {
  if (userId === null || userId === undefined) return 'offline'
  return map[userId]?.status ?? 'offline'
}

/** "just now", "5 min ago", "3 h ago", "yesterday", "4 days ago", or a date. */
export function formatLastSeen(iso: string | null | undefined, now: number, locale?: string): string {
  const at = iso ? Date.parse(iso) : NaN
  if (!Number.isFinite(at)) return ''
  const s = Math.max(0, Math.round((now - at) / 1000))
  if (s < 60) return t('presence.justNow')
  const m = Math.floor(s / 60)
  if (m < 60) return t('presence.minAgo', { n: m })
  const h = Math.floor(m / 60)
  if (h < 24) return t('presence.hAgo', { n: h })
  const d = Math.floor(h / 24)
  if (d === 1) return t('presence.yesterday')
  if (d < 7) return t('presence.daysAgo', { n: d })
  const date = formatDate(at, locale ?? currentLocale.value)
  return t('presence.onDate', { date })
}

/** The sentence under a name: "Online", "Away", "Last seen 5 min ago", "Offline". */
export function presenceLabel(p: Presence | null | undefined, now: number): string {
  if (!p) return t('status.offline')
  if (p.status === 'online') return t('status.online')
  if (p.status === 'away') return t('status.away')
  const seen = formatLastSeen(p.last_seen_at, now)
  return seen ? t('presence.lastSeen', { when: seen }) : t('status.offline')
}

export interface ReporterOptions {
  /** Sends a presence frame; returns false if it could not be sent (offline). */
  send: (status: 'online' | 'away') => boolean
  /** No input for this long counts as away (default 5 minutes). */
  idleMs?: number
  now?: () => number
}

/**
 * Decides what the console reports about the user: away while the tab is
 * hidden or nobody touched it for `idleMs`, online otherwise. It sends only
 * changes, and `connected()` repeats an "away" after a reconnect (a new
 * session starts online on the server).
 */
export class PresenceReporter {
  private readonly send: (status: 'online' | 'away') => boolean
  private readonly idleMs: number
  private readonly now: () => number
  private hidden = false
  private lastActivity: number
  private reported: 'online' | 'away' = 'online'
  private timer: ReturnType<typeof setTimeout> | null = null

  constructor(opts: ReporterOptions) {
    this.send = opts.send
    this.idleMs = opts.idleMs ?? 5 * 60 * 1000
    this.now = opts.now ?? Date.now
    this.lastActivity = this.now()
    this.arm()
  }

  /** What the server was last told (or will be, once connected). */
  get status(): 'online' | 'away' {
    return this.reported
  }

  setHidden(hidden: boolean): void {
    this.hidden = hidden
    if (!hidden) this.lastActivity = this.now()
    this.update()
  }

  /** Any input (key, pointer, focus). Cheap: call it on every event. */
  activity(): void {
    this.lastActivity = this.now()
    if (this.reported === 'away' && !this.hidden) this.update()
    else if (!this.timer) this.arm()
  }

  /** After the socket (re)connects. */
  connected(): void {
    if (this.reported === 'away') this.send('away')
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private wanted(): 'online' | 'away' {
    if (this.hidden) return 'away'
    return this.now() - this.lastActivity >= this.idleMs ? 'away' : 'online'
  }

  private update(): void {
    const want = this.wanted()
    if (want !== this.reported) {
      this.reported = want
      this.send(want)
    }
    this.arm()
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    if (this.hidden || this.reported === 'away') return
    const left = Math.max(0, this.lastActivity + this.idleMs - this.now())
    this.timer = setTimeout(() => {
      this.timer = null
      this.update()
    }, left)
  }
}
