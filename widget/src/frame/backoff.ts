/**
 * Delay before retry number `attempt` (0 = first retry): exponential from
 * `base` up to `max`, with "equal jitter" (half fixed, half random) so that
 * many widgets cut off together do not all come back at the same moment.
 */
export function backoff(attempt: number, rand: () => number = Math.random, base = 500, max = 30000): number {
  const cap = Math.min(max, base * Math.pow(2, Math.max(0, Math.min(attempt, 20))))
  return Math.round(cap / 2 + (rand() * cap) / 2)
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
