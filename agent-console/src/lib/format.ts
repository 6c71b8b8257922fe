import { locale as currentLocale } from './i18n'

/**
 * A short time for a message: "14:05" today, "Mon 14:05" within the last
 * week, a date otherwise.
 */
export function formatTime(iso: string, now: Date = new Date(), locale: string = currentLocale.value): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const time = d.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' })
  if (sameDay(d, now)) return time
  const ageDays = (startOfDay(now) - startOfDay(d)) / 86_400_000
  if (ageDays > 0 && ageDays < 7) return `${d.toLocaleDateString(locale, { weekday: 'short' })} ${time}`
  return d.toLocaleDateString(locale, { year: 'numeric', month: 'short', day: 'numeric' })
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
