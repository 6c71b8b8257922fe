// Editing a site's settings: business hours per weekday, allowed origins,
// pre-chat fields, and the form <-> PATCH body conversion.
import type { BusinessHours, PrechatField, Site, SitePatch } from './adminApi'
import { t } from './i18n'

// Labels are getters so that they follow the language switch.
export const weekdays: Array<{ key: string; label: string }> = (['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const).map((key) => ({
  key,
  get label() {
    return t(`day.${key}`)
  },
}))

/** One weekday's opening hours as typed: "09:00-12:00, 13:00-17:30"; empty = closed, unless every day is (always open). */
export type HoursText = Record<string, string>

export function hoursToText(bh: BusinessHours | null | undefined): HoursText {
  const out: HoursText = {}
  for (const d of weekdays) out[d.key] = (bh?.[d.key] ?? []).join(', ')
  return out
}

function minutes(hhmm: string): number | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm)
  if (m) return Number(m[1]) * 60 + Number(m[2])
  return hhmm === '24:00' ? 1440 : null
}

/** Normalises "9:00 - 17:30" style input; null when it is not a valid range. */
export function parseRange(raw: string): string | null {
  const m = /^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$/.exec(raw)
  if (!m) return null
  const a = `${m[1].padStart(2, '0')}:${m[2]}`
  const b = `${m[3].padStart(2, '0')}:${m[4]}`
  const ma = minutes(a)
  const mb = minutes(b)
  if (ma === null || mb === null || mb <= ma) return null
  return `${a}-${b}`
}

/** The ranges of one day, sorted; an error names the first bad or overlapping one. */
export function parseDayHours(text: string): { ranges: string[]; error: string } {
  const parts = text
    .split(/[,;\n]/)
    .map((p) => p.trim())
    .filter(Boolean)
  const ranges: string[] = []
  for (const p of parts) {
    const r = parseRange(p)
    if (!r) return { ranges: [], error: `“${p}” is not a time range like 09:00-17:30.` }
    ranges.push(r)
  }
  ranges.sort()
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i].slice(0, 5) < ranges[i - 1].slice(6)) return { ranges: [], error: `${ranges[i - 1]} and ${ranges[i]} overlap.` }
  }
  return { ranges, error: '' }
}

/** The business_hours object, closed days left out; errors by weekday. */
export function textToHours(t: HoursText): { hours: BusinessHours; errors: Record<string, string> } {
  const hours: BusinessHours = {}
  const errors: Record<string, string> = {}
  for (const d of weekdays) {
    const r = parseDayHours(t[d.key] ?? '')
    if (r.error) errors[d.key] = r.error
    else if (r.ranges.length) hours[d.key] = r.ranges
  }
  return { hours, errors }
}

/** Copies one day's hours to the working days (Mon–Fri) or every day. */
export function copyHours(t: HoursText, from: string, to: 'weekdays' | 'all'): HoursText {
  const out = { ...t }
  const keys = to === 'all' ? weekdays.map((d) => d.key) : ['mon', 'tue', 'wed', 'thu', 'fri']
  for (const k of keys) out[k] = t[from] ?? ''
  return out
}

/** An origin as browsers send it (scheme://host[:port]); null when not one. */
export function normalizeOrigin(raw: string): string | null {
  const s = raw.trim()
  if (!s) return null
  try {
    const u = new URL(s)
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null
    if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash || u.username) return null
    return u.origin
  } catch {
    return null
  }
}

/** Adds an origin once; the error says why it was refused. */
export function addOrigin(list: string[], raw: string): { list: string[]; error: string } {
  const o = normalizeOrigin(raw)
  if (!o) return { list, error: 'Enter an origin such as https://shop.example.com (no path).' }
  if (list.includes(o)) return { list, error: `${o} is already allowed.` }
  return { list: [...list, o], error: '' }
}

/** Problems with the pre-chat fields, by index ('' when fine). */
export function prechatErrors(fields: PrechatField[]): string[] {
  const seen = new Set<string>()
  return fields.map((f) => {
    const name = f.name.trim()
    if (!/^[a-z][a-z0-9_]*$/.test(name)) return 'The name uses lower-case letters, digits and _ and starts with a letter.'
    if (seen.has(name)) return `The name “${name}” is used twice.`
    seen.add(name)
    if (!f.label.trim()) return 'Give the field a label.'
    return ''
  })
}

export function isHexColor(s: string): boolean {
  return /^#[0-9a-fA-F]{6}$/.test(s)
}

export interface SiteForm {
  name: string
  allowed_origins: string[]
  color: string
  greeting: string
  away_message: string
  hours: HoursText
  time_zone: string
  prechat_fields: PrechatField[]
  require_identity: boolean
  font_family: FontFamily
  launcher_position: 'right' | 'left'
}

/** The widget's font stacks (a setting names one, never CSS). */
export const FONT_FAMILIES = ['system', 'sans', 'serif', 'rounded', 'mono'] as const
export type FontFamily = (typeof FONT_FAMILIES)[number]

/** The CSS of each stack, as the widget uses it. */
export const FONT_STACKS: Record<FontFamily, string> = {
  system: "system-ui, -apple-system, 'Segoe UI', Roboto, 'PingFang SC', 'Microsoft YaHei', sans-serif",
  sans: "'Helvetica Neue', Arial, 'Noto Sans', 'PingFang SC', 'Microsoft YaHei', sans-serif",
  serif: "Georgia, 'Times New Roman', 'Noto Serif', 'Songti SC', serif",
  rounded: "ui-rounded, 'SF Pro Rounded', 'Nunito', 'Varela Round', system-ui, sans-serif",
  mono: "ui-monospace, 'SFMono-Regular', Menlo, Consolas, 'Liberation Mono', monospace",
}

export function formFromSite(s: Site): SiteForm {
  return {
    name: s.name,
    allowed_origins: [...(s.allowed_origins ?? [])],
    color: isHexColor(s.color ?? '') ? s.color : '#3b5bdb',
    greeting: s.greeting ?? '',
    away_message: s.away_message ?? '',
    hours: hoursToText(s.business_hours),
    time_zone: s.time_zone || 'UTC',
    prechat_fields: (s.prechat_fields ?? []).map((f) => ({ ...f })),
    require_identity: !!s.require_identity,
    font_family: (FONT_FAMILIES as readonly string[]).includes(s.font_family ?? '') ? (s.font_family as FontFamily) : 'system',
    launcher_position: s.launcher_position === 'left' ? 'left' : 'right',
  }
}

/** The PATCH body, or the errors that stop it. */
export function patchFromForm(f: SiteForm): { patch: SitePatch | null; errors: Record<string, string> } {
  const errors: Record<string, string> = {}
  if (!f.name.trim()) errors.name = 'Give the site a name.'
  if (!isHexColor(f.color)) errors.color = 'Pick a colour like #3b5bdb.'
  const h = textToHours(f.hours)
  for (const [k, v] of Object.entries(h.errors)) errors[`hours.${k}`] = v
  const pe = prechatErrors(f.prechat_fields)
  pe.forEach((e, i) => {
    if (e) errors[`prechat.${i}`] = e
  })
  if (Object.keys(errors).length) return { patch: null, errors }
  return {
    patch: {
      name: f.name.trim(),
      allowed_origins: f.allowed_origins,
      color: f.color.toLowerCase(),
      greeting: f.greeting,
      away_message: f.away_message,
      business_hours: h.hours,
      time_zone: f.time_zone.trim() || 'UTC',
      prechat_fields: f.prechat_fields.map((p) => ({ ...p, name: p.name.trim(), label: p.label.trim() })),
      require_identity: f.require_identity,
      font_family: f.font_family,
      launcher_position: f.launcher_position,
    },
    errors,
  }
}

/** Whether no day has hours: the site is then always open. */
export function alwaysOpen(h: HoursText): boolean {
  return Object.values(h).every((v) => !v.trim())
}

/** What an empty day means: always open while every day is empty, closed once any day has hours. */
export function emptyDayText(h: HoursText): string {
  return alwaysOpen(h) ? t('site.alwaysOpen') : t('site.closed')
}
