/**
 * Reconnect delay for the given attempt (0 for the first retry): exponential
 * from 0.5–1 s up to 15–30 s, with "equal jitter" so that clients dropped
 * together by a server restart do not all come back in the same instant.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random, baseMs = 500, maxMs = 30_000): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (Math.max(0, attempt) + 1))
  const half = ceiling / 2
  return Math.round(half + random() * half)
}
