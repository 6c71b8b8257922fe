import { describe, expect, it } from 'vitest'
import { addDays, agentsCsv, csvField, csvName, daysCsv, fillDays, isEmptyReport, lastDays, parseDay, rangeError, reportPath, toCsv, type DayStats, type Report } from './reports'

describe('date range', () => {
  it('defaults to the last 30 days including today', () => {
    expect(lastDays(30, new Date('2026-03-10T15:00:00Z'))).toEqual({ from: '2026-02-09', to: '2026-03-10' })
  })
  it('parses real dates only', () => {
    expect(parseDay('2026-02-30')).toBeNull()
    expect(parseDay('2026-2-3')).toBeNull()
    expect(parseDay('2024-02-29')?.toISOString()).toBe('2024-02-29T00:00:00.000Z')
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01')
  })
  it('refuses backwards, missing and over-long ranges', () => {
    expect(rangeError({ from: '2026-01-02', to: '2026-01-01' })).toMatch(/before/)
    expect(rangeError({ from: '', to: '2026-01-01' })).toMatch(/both/)
    expect(rangeError({ from: '2025-01-01', to: '2026-01-02' })).toMatch(/year/)
    expect(rangeError({ from: '2026-01-01', to: '2026-01-01' })).toBe('')
  })
  it('asks the server with an exclusive end', () => {
    expect(reportPath(3, { from: '2026-01-01', to: '2026-01-31' })).toBe('/api/v1/sites/3/reports?from=2026-01-01&to=2026-02-01')
  })
})

describe('fillDays', () => {
  it('puts every day of the range in order, quiet days empty', () => {
    const days = [{ date: '2026-01-03', conversations: 2, missed: 1, resolved: 1, wait_median_s: 5 } as DayStats]
    const out = fillDays(days, { from: '2026-01-02', to: '2026-01-04' })
    expect(out.map((d) => d.date)).toEqual(['2026-01-02', '2026-01-03', '2026-01-04'])
    expect(out[0].conversations).toBe(0)
    expect(out[0].wait_median_s).toBeNull()
    expect(out[1].conversations).toBe(2)
    expect(out[1].wait_median_s).toBe(5)
  })
})

describe('empty states', () => {
  it('knows when nothing happened', () => {
    expect(isEmptyReport(null)).toBe(true)
    const r: Report = { from: '', to: '', totals: { conversations: 0 } as Report['totals'], days: [], agents: [], labels: [] }
    expect(isEmptyReport(r)).toBe(true)
    r.totals.conversations = 1
    expect(isEmptyReport(r)).toBe(false)
  })
})

describe('CSV', () => {
  it('quotes commas, quotes and line breaks', () => {
    expect(csvField('plain')).toBe('plain')
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('two\nlines')).toBe('"two\nlines"')
    expect(csvField(' padded')).toBe('" padded"')
    expect(csvField(null)).toBe('')
    expect(csvField(3.5)).toBe('3.5')
    expect(csvField(-2)).toBe('-2')
  })
  it('defuses spreadsheet formulas in text', () => {
    expect(csvField('=SUM(A1)')).toBe("'=SUM(A1)")
    expect(csvField('@cmd')).toBe("'@cmd")
  })
  it('builds rows with CRLF', () => {
    expect(toCsv(['a', 'b'], [[1, 'x,y']])).toBe('a,b\r\n1,"x,y"\r\n')
  })
  it('exports the day and agent figures, blanks for no data', () => {
    const days = fillDays([{ date: '2026-01-01', conversations: 3, missed: 1, resolved: 2, csat_average: 4.5 } as DayStats], {
      from: '2026-01-01',
      to: '2026-01-01',
    })
    const csv = daysCsv(days).split('\r\n')
    expect(csv[0]).toBe(
      'date,conversations,missed,resolved,wait_median_s,wait_p90_s,first_response_median_s,first_response_p90_s,resolution_median_s,resolution_p90_s,ratings,csat_average',
    )
    expect(csv[1]).toBe('2026-01-01,3,1,2,,,,,,,0,4.5')
    const a = agentsCsv([
      { agent_id: 4, name: 'Lee, "Ace"', assigned: 2, resolved: 1, first_response_median_s: 12, ratings: 0, csat_average: null, first_response_breaches: 0, resolution_breaches: 0 },
    ]).split('\r\n')
    expect(a[1]).toBe('4,"Lee, ""Ace""",2,1,12,0,')
  })
  it('names the file after the site and range', () => {
    expect(csvName('My Shop!', { from: '2026-01-01', to: '2026-01-30' }, 'days')).toBe('parley-report-my-shop-2026-01-01-to-2026-01-30-days.csv')
  })
})
