// Money is integer cents everywhere; amounts typed by people are parsed as
// text, never through floating point.
import { t } from './i18n'

/**
 * "12.34" → 1234, "12" → 1200, "0.5" → 50, "1,234.50" is refused (no
 * grouping), as are negatives, more than two decimals, and anything else.
 * Returns null for input that is not a positive-or-zero amount.
 */
export function parseCents(raw: string): number | null {
  const s = raw.trim()
  const m = /^(\d{1,9})?(?:\.(\d{1,2}))?$/.exec(s)
  if (!m || (m[1] === undefined && m[2] === undefined)) return null
  const whole = Number(m[1] ?? '0')
  const frac = m[2] === undefined ? 0 : Number(m[2].padEnd(2, '0'))
  return whole * 100 + frac
}

/** 1234 → "12.34", -5 → "-0.05". */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : ''
  const a = Math.abs(Math.trunc(cents))
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`
}

/** A signed amount for a ledger: "+12.34" / "-0.05". */
export function formatSignedCents(cents: number): string {
  return cents > 0 ? `+${formatCents(cents)}` : formatCents(cents)
}

/** Why an amount cannot be sent/credited, or '' when it can. */
export function amountError(raw: string, opts: { min?: number; max?: number } = {}): string {
  const c = parseCents(raw)
  if (c === null) return t('money.format')
  const min = opts.min ?? 1
  if (c < min) return t('money.min', { amount: formatCents(min) })
  if (opts.max !== undefined && c > opts.max) return t('money.max', { amount: formatCents(opts.max) })
  return ''
}
