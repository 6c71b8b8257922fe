import { describe, expect, it } from 'vitest'
import { amountError, formatCents, formatSignedCents, parseCents } from './money'

describe('parseCents', () => {
  it('converts currency text to integer cents exactly', () => {
    expect(parseCents('12.34')).toBe(1234)
    expect(parseCents('12')).toBe(1200)
    expect(parseCents('0.5')).toBe(50)
    expect(parseCents('.05')).toBe(5)
    expect(parseCents(' 3.10 ')).toBe(310)
    // 0.1 + 0.2 style traps: 1.15 * 100 = 114.99999999999999 in floats.
    expect(parseCents('1.15')).toBe(115)
    expect(parseCents('4.35')).toBe(435)
    expect(parseCents('200.00')).toBe(20000)
  })
  it('refuses what is not an amount', () => {
    for (const bad of ['1.234', '-1', '', '.', 'abc', '1,5', '1e3', '12.', '+3', '1 000', 'Infinity', '0x10']) {
      expect(parseCents(bad), bad).toBeNull()
    }
  })
})

describe('formatting', () => {
  it('prints cents as currency units', () => {
    expect(formatCents(1234)).toBe('12.34')
    expect(formatCents(5)).toBe('0.05')
    expect(formatCents(-5)).toBe('-0.05')
    expect(formatSignedCents(100)).toBe('+1.00')
    expect(formatSignedCents(-250)).toBe('-2.50')
  })
  it('explains a bad amount', () => {
    expect(amountError('1.234')).toMatch(/two decimals/)
    expect(amountError('0')).toMatch(/at least 0.01/)
    expect(amountError('3', { min: 500 })).toMatch(/at least 5.00/)
    expect(amountError('300', { max: 20000 })).toMatch(/at most 200.00/)
    expect(amountError('12.34')).toBe('')
  })
})
