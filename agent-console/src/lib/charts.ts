// Scales, ticks and SVG paths for the hand-drawn report charts (no chart
// library: the console stays small).
import { t } from './i18n'

/** A "nice" step (1, 2 or 5 × 10^n) so that about `count` steps cover `span`. */
export function niceStep(span: number, count = 5): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1
  const raw = span / Math.max(1, count)
  const mag = Math.pow(10, Math.floor(Math.log10(raw)))
  const f = raw / mag
  const nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10
  return nice * mag
}

/**
 * Ticks from 0 to a rounded-up maximum that covers `max`. An empty or all-zero
 * series still gets an axis (0..1). With `integer`, steps are whole numbers.
 */
export function niceTicks(max: number, count = 5, integer = false): number[] {
  const top = Number.isFinite(max) && max > 0 ? max : 0
  if (top === 0) return integer ? [0, 1] : [0, 1]
  let step = niceStep(top, count)
  if (integer) step = Math.max(1, Math.round(step))
  const n = Math.ceil(top / step - 1e-9)
  const ticks: number[] = []
  for (let i = 0; i <= n; i++) ticks.push(roundTo(i * step, step))
  return ticks
}

function roundTo(v: number, step: number): number {
  // Avoid 0.30000000000000004 in labels.
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1)
  return Number(v.toFixed(Math.min(10, digits)))
}

/** A linear map from [d0, d1] onto [r0, r1]. */
export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0
  return (v) => (span === 0 ? r0 : r0 + ((v - d0) / span) * (r1 - r0))
}

export interface Plot {
  width: number
  height: number
  left: number
  right: number
  top: number
  bottom: number
}

export const defaultPlot: Plot = { width: 640, height: 220, left: 48, right: 12, top: 12, bottom: 28 }

/** The x-centre and width of each of `n` bands across the plot. */
export function bands(n: number, plot: Plot = defaultPlot, gap = 0.2): Array<{ x: number; width: number; center: number }> {
  const inner = plot.width - plot.left - plot.right
  if (n <= 0) return []
  const band = inner / n
  const w = Math.max(1, band * (1 - gap))
  return Array.from({ length: n }, (_, i) => {
    const x = plot.left + i * band + (band - w) / 2
    return { x, width: w, center: plot.left + i * band + band / 2 }
  })
}

export interface StackedBar {
  x: number
  width: number
  /** Segments from the bottom up; zero-height ones are left out. */
  segments: Array<{ key: string; y: number; height: number; value: number }>
}

/** Stacked bars for series of non-negative values (missing values count as 0). */
export function stackedBars(
  rows: Array<Record<string, number | null | undefined>>,
  keys: string[],
  max: number,
  plot: Plot = defaultPlot,
): StackedBar[] {
  const y = linear(0, max || 1, plot.height - plot.bottom, plot.top)
  return bands(rows.length, plot).map((b, i) => {
    let base = 0
    const segments: StackedBar['segments'] = []
    for (const key of keys) {
      const v = Math.max(0, Number(rows[i][key] ?? 0) || 0)
      if (v > 0) {
        const y0 = y(base)
        const y1 = y(base + v)
        segments.push({ key, y: y1, height: y0 - y1, value: v })
      }
      base += v
    }
    return { x: b.x, width: b.width, segments }
  })
}

/**
 * An SVG path through the points; a null value breaks the line (no data that
 * day) instead of drawing it down to zero. A lone point becomes a dot-sized
 * segment so that it still shows.
 */
export function linePath(values: Array<number | null | undefined>, max: number, plot: Plot = defaultPlot): string {
  const y = linear(0, max || 1, plot.height - plot.bottom, plot.top)
  const xs = bands(values.length, plot).map((b) => b.center)
  const parts: string[] = []
  let open = false
  values.forEach((v, i) => {
    if (v === null || v === undefined || !Number.isFinite(v)) {
      open = false
      return
    }
    const px = fmt(xs[i])
    const py = fmt(y(v))
    const nextMissing = i + 1 >= values.length || values[i + 1] === null || values[i + 1] === undefined
    if (!open) {
      parts.push(`M${px} ${py}`)
      if (nextMissing) parts.push(`h0.01`)
      open = true
    } else {
      parts.push(`L${px} ${py}`)
    }
  })
  return parts.join(' ')
}

function fmt(n: number): string {
  return String(Math.round(n * 100) / 100)
}

/** The largest finite value among several series (0 when none). */
export function seriesMax(...series: Array<Array<number | null | undefined>>): number {
  let m = 0
  for (const s of series) for (const v of s) if (typeof v === 'number' && Number.isFinite(v) && v > m) m = v
  return m
}

/** Which of `n` x-labels to print so that at most about `max` show. */
export function labelEvery(n: number, max = 8): number {
  return n <= max ? 1 : Math.ceil(n / max)
}

/** Seconds as a short duration: 45s, 3m 20s, 1h 05m. */
export function formatDuration(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '—'
  if (s > 0 && s < 1) return t('dur.lt1s')
  const total = Math.round(s)
  if (total < 60) return t('dur.s', { s: total })
  if (total < 3600) {
    const m = Math.floor(total / 60)
    const r = total % 60
    return r ? t('dur.ms', { m, s: r }) : t('dur.m', { m })
  }
  if (total < 86400) {
    const h = Math.floor(total / 3600)
    const m = Math.floor((total % 3600) / 60)
    return t('dur.hm', { h, m: String(m).padStart(2, '0') })
  }
  const d = Math.floor(total / 86400)
  const h = Math.floor((total % 86400) / 3600)
  return t('dur.dh', { d, h })
}

/** Ticks for a duration axis in seconds, on minute/hour boundaries once large. */
export function durationTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0, 60]
  const units = [1, 60, 3600, 86400]
  let unit = 1
  for (const u of units) if (max / u >= 2) unit = u
  // Whole seconds (minutes, hours…): sub-second medians still get a 0–1 s axis.
  return niceTicks(max / unit, count, true).map((t) => t * unit)
}
