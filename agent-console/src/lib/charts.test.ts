import { describe, expect, it } from 'vitest'
import { bands, defaultPlot, durationTicks, formatDuration, labelEvery, linePath, linear, niceStep, niceTicks, seriesMax, stackedBars } from './charts'

describe('niceTicks', () => {
  it('rounds the top up to a nice step', () => {
    expect(niceTicks(7)).toEqual([0, 2, 4, 6, 8])
    expect(niceTicks(10)).toEqual([0, 2, 4, 6, 8, 10])
    expect(niceTicks(93)).toEqual([0, 20, 40, 60, 80, 100])
    expect(niceTicks(1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1])
  })
  it('gives an axis for empty and zero series', () => {
    expect(niceTicks(0)).toEqual([0, 1])
    expect(niceTicks(NaN)).toEqual([0, 1])
    expect(niceTicks(-3)).toEqual([0, 1])
  })
  it('keeps counts whole', () => {
    expect(niceTicks(3, 5, true)).toEqual([0, 1, 2, 3])
    expect(niceTicks(1, 5, true)).toEqual([0, 1])
  })
  it('prints no float noise', () => {
    for (const t of niceTicks(0.7)) expect(String(t).length).toBeLessThan(5)
  })
  it('niceStep picks 1, 2 or 5 times a power of ten', () => {
    expect(niceStep(100, 5)).toBe(20)
    expect(niceStep(30, 5)).toBe(10)
    expect(niceStep(0)).toBe(1)
  })
})

describe('scales and shapes', () => {
  it('maps linearly and copes with a zero span', () => {
    const y = linear(0, 10, 200, 0)
    expect(y(0)).toBe(200)
    expect(y(5)).toBe(100)
    expect(linear(3, 3, 7, 9)(3)).toBe(7)
  })
  it('splits the plot into bands', () => {
    const b = bands(4, { ...defaultPlot, width: 460, left: 40, right: 20 })
    expect(b).toHaveLength(4)
    expect(b[0].center).toBe(40 + 50)
    expect(b[3].center).toBe(40 + 350)
    expect(bands(0)).toEqual([])
  })
  it('stacks bars from the bottom and skips empty segments', () => {
    const plot = { width: 200, height: 120, left: 0, right: 0, top: 20, bottom: 0 }
    const bars = stackedBars(
      [
        { a: 2, b: 2 },
        { a: 0, b: null },
      ],
      ['a', 'b'],
      4,
      plot,
    )
    expect(bars[0].segments).toEqual([
      { key: 'a', y: 70, height: 50, value: 2 },
      { key: 'b', y: 20, height: 50, value: 2 },
    ])
    expect(bars[1].segments).toEqual([])
  })
  it('breaks lines at missing days', () => {
    const plot = { width: 400, height: 110, left: 0, right: 0, top: 10, bottom: 0 }
    expect(linePath([0, 10, null, 5], 10, plot)).toBe('M50 110 L150 10 M350 60 h0.01')
    expect(linePath([null, null], 10, plot)).toBe('')
  })
  it('finds the maximum of several series', () => {
    expect(seriesMax([1, null, 4], [undefined, 3])).toBe(4)
    expect(seriesMax([])).toBe(0)
  })
  it('thins the x labels', () => {
    expect(labelEvery(7)).toBe(1)
    expect(labelEvery(30)).toBe(4)
  })
})

describe('durations', () => {
  it('formats seconds for people', () => {
    expect(formatDuration(null)).toBe('—')
    expect(formatDuration(42.4)).toBe('42s')
    expect(formatDuration(0)).toBe('0s')
    expect(formatDuration(0.3)).toBe('<1s')
    expect(formatDuration(200)).toBe('3m 20s')
    expect(formatDuration(120)).toBe('2m')
    expect(formatDuration(3900)).toBe('1h 05m')
    expect(formatDuration(90000)).toBe('1d 1h')
  })
  it('ticks on minutes and hours once large', () => {
    expect(durationTicks(0)).toEqual([0, 60])
    expect(durationTicks(0.3)).toEqual([0, 1])
    expect(durationTicks(3)).toEqual([0, 1, 2, 3])
    expect(durationTicks(50)).toEqual([0, 20, 40, 60])
    expect(durationTicks(600)).toEqual([0, 300, 600])
    expect(durationTicks(3 * 3600).every((t) => t % 3600 === 0)).toBe(true)
  })
})
