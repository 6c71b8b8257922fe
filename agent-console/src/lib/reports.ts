// Site reports: the date range, the per-day series with the empty days
// filled in, and the CSV export.
import { t } from './i18n'
import type { Override, Schemas } from './schemas'

export type ReportStats = Schemas['ReportStats']

/** The document marks a day's date optional; the server always sends it. */
export type DayStats = ReportStats & { date: string }

/** The document describes an agent's figures inline with every field optional; the server sends them all. */
export type AgentStats = Required<Schemas['Report']['agents'][number]>

export type Report = Override<Schemas['Report'], { days: DayStats[]; agents: AgentStats[] }>

export interface DateRange {
  /** First day, YYYY-MM-DD (UTC). */
  from: string
  /** Last day included, YYYY-MM-DD (UTC). The API's `to` is the day after. */
  to: string
}

export function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10)
}

/** Parses YYYY-MM-DD as a UTC date; null when malformed or not a real date. */
export function parseDay(s: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
  if (!m) return null
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
  return isoDay(d) === s ? d : null
}

export function addDays(day: string, n: number): string {
  const d = parseDay(day)
  if (!d) return day
  d.setUTCDate(d.getUTCDate() + n)
  return isoDay(d)
}

/** The last `days` days up to and including today (UTC). */
export function lastDays(days = 30, now = new Date()): DateRange {
  const to = isoDay(now)
  return { from: addDays(to, -(days - 1)), to }
}

/** Why a range cannot be asked for, or '' when it can. */
export function rangeError(r: DateRange): string {
  const f = parseDay(r.from)
  const end = parseDay(r.to)
  if (!f || !end) return t('reports.bothDates')
  if (end < f) return t('reports.endBefore')
  if ((end.getTime() - f.getTime()) / 86400000 + 1 > 366) return t('reports.maxYear')
  return ''
}

/** The report URL; the server's `to` is exclusive, the picker's inclusive. */
export function reportPath(siteId: number, r: DateRange): string {
  const q = new URLSearchParams({ from: r.from, to: addDays(r.to, 1) })
  return `/api/v1/sites/${siteId}/reports?${q.toString()}`
}

export function emptyStats(): ReportStats {
  return {
    conversations: 0,
    missed: 0,
    resolved: 0,
    wait_median_s: null,
    wait_p90_s: null,
    first_response_median_s: null,
    first_response_p90_s: null,
    resolution_median_s: null,
    resolution_p90_s: null,
    ratings: 0,
    csat_average: null,
    first_response_breaches: 0,
    resolution_breaches: 0,
  }
}

/**
 * One entry per day of the range, in order: the server lists only days with
 * conversations, and a chart must show the quiet days as zero / no data.
 */
export function fillDays(days: DayStats[], r: DateRange): DayStats[] {
  const by = new Map(days.map((d) => [d.date.slice(0, 10), d]))
  const out: DayStats[] = []
  const end = parseDay(r.to)
  let day = r.from
  for (let i = 0; end && i < 400; i++) {
    const d = parseDay(day)
    if (!d || d > end) break
    out.push({ ...emptyStats(), ...(by.get(day) ?? {}), date: day })
    day = addDays(day, 1)
  }
  return out
}

/** True when the range had no conversation at all. */
export function isEmptyReport(r: Report | null | undefined): boolean {
  if (!r) return true
  return !r.totals || !r.totals.conversations
}

/** One CSV field: quoted when it holds a comma, quote, line break or leading/trailing space. */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return ''
  let s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v)
  // Spreadsheets run cells that start with these as formulas.
  if (/^[=+\-@\t\r]/.test(s) && typeof v !== 'number') s = `'${s}`
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n'
}

const dayColumns: Array<keyof DayStats> = [
  'date',
  'conversations',
  'missed',
  'resolved',
  'wait_median_s',
  'wait_p90_s',
  'first_response_median_s',
  'first_response_p90_s',
  'resolution_median_s',
  'resolution_p90_s',
  'ratings',
  'csat_average',
]

export function daysCsv(days: DayStats[]): string {
  return toCsv(
    dayColumns as string[],
    days.map((d) => dayColumns.map((c) => d[c])),
  )
}

const agentColumns: Array<keyof AgentStats> = [
  'agent_id',
  'name',
  'assigned',
  'resolved',
  'first_response_median_s',
  'ratings',
  'csat_average',
]

export function agentsCsv(agents: AgentStats[]): string {
  return toCsv(
    agentColumns as string[],
    agents.map((a) => agentColumns.map((c) => a[c])),
  )
}

/** A file name such as parley-report-shop-2026-01-01-to-2026-01-30-days.csv. */
export function csvName(site: string, r: DateRange, part: string): string {
  const slug = site.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'site'
  return `parley-report-${slug}-${r.from}-to-${r.to}-${part}.csv`
}

/** Starts a download of text as a file (a Blob behind an object URL). */
export function downloadText(name: string, text: string, type = 'text/csv;charset=utf-8'): void {
  // A BOM so that spreadsheet programs read UTF-8 names correctly.
  const blob = new Blob(['\ufeff', text], { type })
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.rel = 'noopener'
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
