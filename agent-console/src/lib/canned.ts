import type { CannedResponse } from './types'

/** The "/shortcut" being typed at the caret, if any. */
export interface CannedQuery {
  /** Index of the slash in the text. */
  start: number
  /** Index just after the typed shortcut (the caret). */
  end: number
  /** What follows the slash, lower-cased. */
  query: string
}

/**
 * Finds a "/word" that ends at the caret and starts the text or follows
 * white space (so URLs and fractions such as 1/2 do not count).
 */
export function cannedQueryAt(text: string, caret: number = text.length): CannedQuery | null {
  const before = text.slice(0, Math.max(0, Math.min(caret, text.length)))
  const m = before.match(/(^|\s)\/([\p{L}\p{N}_-]*)$/u)
  if (!m) return null
  const start = before.length - m[2].length - 1
  return { start, end: before.length, query: m[2].toLowerCase() }
}

/**
 * The canned responses for a query: shortcuts that start with it first,
 * then those that contain it, then those whose text contains it; each
 * group in shortcut order.
 */
export function matchCanned(list: readonly CannedResponse[], query: string, max = 8): CannedResponse[] {
  const q = query.toLowerCase()
  const byShortcut = (a: CannedResponse, b: CannedResponse) => a.shortcut.localeCompare(b.shortcut)
  const starts: CannedResponse[] = []
  const contains: CannedResponse[] = []
  const inBody: CannedResponse[] = []
  for (const c of list) {
    const s = c.shortcut.toLowerCase().replace(/^\//, '')
    if (s.startsWith(q)) starts.push(c)
    else if (q && s.includes(q)) contains.push(c)
    else if (q.length >= 2 && c.body.toLowerCase().includes(q)) inBody.push(c)
  }
  return [...starts.sort(byShortcut), ...contains.sort(byShortcut), ...inBody.sort(byShortcut)].slice(0, max)
}

/** Puts the response's text in place of the typed "/shortcut"; returns the new text and caret. */
export function insertCanned(text: string, q: CannedQuery, body: string): { text: string; caret: number } {
  const next = text.slice(0, q.start) + body + text.slice(q.end)
  return { text: next, caret: q.start + body.length }
}

/** Moves the highlighted suggestion with the arrow keys, wrapping around. */
export function moveSelection(index: number, count: number, step: 1 | -1): number {
  if (count <= 0) return 0
  return (((index + step) % count) + count) % count
}
