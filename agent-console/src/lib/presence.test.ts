import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  applyPresenceFrame,
  formatLastSeen,
  presenceLabel,
  PresenceReporter,
  seedPresence,
  statusOf,
  type PresenceMap,
} from './presence'

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0)

describe('presence map', () => {
  it('applies a live frame and reports no change for a repeat', () => {
    const frame = { type: 'presence', user_id: 4, status: 'online', last_seen_at: null }
    const a = applyPresenceFrame({}, frame, T0)
    expect(a).toEqual({ 4: { status: 'online', last_seen_at: null, at: T0 } })
    expect(applyPresenceFrame(a!, frame, T0 + 5)).toBeNull()
    const b = applyPresenceFrame(a!, { ...frame, status: 'away' }, T0 + 10)
    expect(b![4].status).toBe('away')
    expect(a![4].status).toBe('online') // not mutated
  })

  it('ignores malformed frames', () => {
    expect(applyPresenceFrame({}, { user_id: 4, status: 'busy' }, T0)).toBeNull()
    expect(applyPresenceFrame({}, { user_id: 'x', status: 'online' }, T0)).toBeNull()
    expect(applyPresenceFrame({}, { status: 'online' }, T0)).toBeNull()
    expect(applyPresenceFrame({}, null, T0)).toBeNull()
  })

  it('treats "offline" without a time as seen just now', () => {
    const m = applyPresenceFrame({}, { user_id: 4, status: 'offline', last_seen_at: null }, T0)
    expect(m![4].last_seen_at).toBe(new Date(T0).toISOString())
  })

  it('lets a list seed presence, but not over a frame newer than the request', () => {
    let map: PresenceMap = {}
    map = applyPresenceFrame(map, { user_id: 1, status: 'online', last_seen_at: null }, T0 + 100)!
    map = applyPresenceFrame(map, { user_id: 2, status: 'online', last_seen_at: null }, T0 - 100)!
    const seeded = seedPresence(
      map,
      [
        { id: 1, presence: { status: 'offline', last_seen_at: '2025-01-01T11:00:00Z' } },
        { id: 2, presence: { status: 'away', last_seen_at: null } },
        { id: 3, presence: { status: 'online', last_seen_at: null } },
        { id: 5, presence: undefined },
      ],
      T0,
    )
    expect(statusOf(seeded, 1)).toBe('online') // the frame came after the list was asked for
    expect(statusOf(seeded, 2)).toBe('away') // the list is newer than that frame
    expect(statusOf(seeded, 3)).toBe('online')
    expect(statusOf(seeded, 5)).toBe('offline')
    expect(statusOf(seeded, null)).toBe('offline')
  })

  it('returns the same map when a list changes nothing', () => {
    const map = seedPresence({}, [{ id: 1, presence: { status: 'online', last_seen_at: null } }], T0)
    expect(seedPresence(map, [{ id: 1, presence: { status: 'online', last_seen_at: null } }], T0 + 1)).toBe(map)
  })
})

describe('labels', () => {
  it('says how long ago someone was seen', () => {
    const at = (s: number) => new Date(T0 - s * 1000).toISOString()
    expect(formatLastSeen(at(20), T0)).toBe('just now')
    expect(formatLastSeen(at(5 * 60 + 10), T0)).toBe('5 min ago')
    expect(formatLastSeen(at(3 * 3600), T0)).toBe('3 h ago')
    expect(formatLastSeen(at(30 * 3600), T0)).toBe('yesterday')
    expect(formatLastSeen(at(4 * 86400), T0)).toBe('4 days ago')
    expect(formatLastSeen(at(40 * 86400), T0)).toMatch(/^on /)
    expect(formatLastSeen(null, T0)).toBe('')
    expect(formatLastSeen(new Date(T0 + 60_000).toISOString(), T0)).toBe('just now') // clock skew
  })

  it('describes a presence', () => {
    expect(presenceLabel({ status: 'online', last_seen_at: null }, T0)).toBe('Online')
    expect(presenceLabel({ status: 'away', last_seen_at: null }, T0)).toBe('Away')
    expect(presenceLabel({ status: 'offline', last_seen_at: new Date(T0 - 120_000).toISOString() }, T0)).toBe(
      'Last seen 2 min ago',
    )
    expect(presenceLabel({ status: 'offline', last_seen_at: null }, T0)).toBe('Offline')
    expect(presenceLabel(undefined, T0)).toBe('Offline')
  })
})

describe('PresenceReporter', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.setSystemTime(T0)
  })
  afterEach(() => vi.useRealTimers())

  function make() {
    const sent: string[] = []
    const r = new PresenceReporter({ send: (s) => (sent.push(s), true), idleMs: 5 * 60_000 })
    return { r, sent }
  }

  it('goes away after five idle minutes and back on activity', async () => {
    const { r, sent } = make()
    await vi.advanceTimersByTimeAsync(4 * 60_000)
    r.activity()
    await vi.advanceTimersByTimeAsync(4 * 60_000)
    expect(sent).toEqual([]) // activity restarted the clock
    await vi.advanceTimersByTimeAsync(60_000)
    expect(sent).toEqual(['away'])
    expect(r.status).toBe('away')
    r.activity()
    r.activity()
    expect(sent).toEqual(['away', 'online'])
    r.stop()
  })

  it('is away while the tab is hidden, whatever the activity', async () => {
    const { r, sent } = make()
    r.setHidden(true)
    r.activity()
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(sent).toEqual(['away'])
    r.setHidden(false)
    expect(sent).toEqual(['away', 'online'])
    // Coming back counts as activity: not instantly idle again.
    await vi.advanceTimersByTimeAsync(4 * 60_000)
    expect(sent).toEqual(['away', 'online'])
    r.stop()
  })

  it('repeats "away" after a reconnect, and nothing while online', () => {
    const { r, sent } = make()
    r.connected()
    expect(sent).toEqual([])
    r.setHidden(true)
    r.connected()
    expect(sent).toEqual(['away', 'away'])
    r.stop()
  })
})
