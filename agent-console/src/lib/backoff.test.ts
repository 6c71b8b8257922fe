import { describe, expect, it } from 'vitest'
import { backoffDelay } from './backoff'

describe('backoffDelay', () => {
  it('starts between 0.5 s and 1 s', () => {
    expect(backoffDelay(0, () => 0)).toBe(500)
    expect(backoffDelay(0, () => 1)).toBe(1000)
  })

  it('doubles with every attempt', () => {
    const lows = [0, 1, 2, 3, 4].map((a) => backoffDelay(a, () => 0))
    expect(lows).toEqual([500, 1000, 2000, 4000, 8000])
  })

  it('is capped at 30 s', () => {
    for (const a of [6, 10, 50, 1000]) {
      expect(backoffDelay(a, () => 1)).toBe(30_000)
      expect(backoffDelay(a, () => 0)).toBe(15_000)
    }
  })

  it('spreads clients with jitter', () => {
    const seen = new Set([0.1, 0.3, 0.5, 0.7, 0.9].map((r) => backoffDelay(3, () => r)))
    expect(seen.size).toBe(5)
    for (const d of seen) {
      expect(d).toBeGreaterThanOrEqual(4000)
      expect(d).toBeLessThanOrEqual(8000)
    }
  })
})
