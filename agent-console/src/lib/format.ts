import { locale as currentLocale } from './i18n'

// Every date and time the console shows goes through this module, in the
// language of the interface (en, zh-CN): components never call
// toLocaleString and friends themselves.

/**
 * A short time for a message or a list: "14:05" today, "Mon 14:05" within
 * the last week, a date for older ones; a time later than today shows its
 * date and time ("expires 2 Jan 2026, 09:05").
 */
export function formatTime(iso: string, now: Date = new Date(), locale: string = currentLocale.value): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const time = d.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' })
  if (sameDay(d, now)) return time
  const ageDays = (startOfDay(now) - startOfDay(d)) / 86_400_000
  if (ageDays < 0) return formatDateTime(iso, locale)
  if (ageDays < 7) return `${d.toLocaleDateString(locale, { weekday: 'short' })} ${time}`
  return formatDate(iso, locale)
}

/** A date and time in full: "2 Jan 2025, 09:05". */
export function formatDateTime(value: string | number | Date, locale: string = currentLocale.value): string {
  const d = value instanceof Date ? value : new Date(value)
  if (Number.isNaN(d.getTime())) return ''
  return `${formatDate(d, locale)} ${d.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' })}`
}

/** A date: "2 Jan 2025". */
export function formatDate(value: string | number | Date, locale: string = currentLocale.value): string {
  const d = value instanceof Date ? value : new Date(value)
  if (Number.isNaN(d.getTime())) return ''
  return d.toLocaleDateString(locale, { year: 'numeric', month: 'short', day: 'numeric' })
}

/** A calendar day given as YYYY-MM-DD (as reports count them, in UTC): "2 Jan 2025". */
export function formatDay(day: string, locale: string = currentLocale.value): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (!m) return day
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
  return d.toLocaleDateString(locale, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' })
}

function startOfDay(d: Date): number {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime()
}

function sameDay(a: Date, b: Date): boolean {
  return startOfDay(a) === startOfDay(b)
}

/** One or two letters for an avatar placeholder. */
export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean)
  if (parts.length === 0) return '?'
  const first = Array.from(parts[0])[0] ?? ''
  const second = parts.length > 1 ? (Array.from(parts[parts.length - 1])[0] ?? '') : ''
  return (first + second).toUpperCase()
}
