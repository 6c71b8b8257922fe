import { describe, expect, it } from 'vitest'
import type { Site } from './adminApi'
import { addOrigin, alwaysOpen, emptyDayText, copyHours, formFromSite, hoursToText, normalizeOrigin, parseDayHours, parseRange, patchFromForm, prechatErrors, textToHours } from './siteForm'

describe('business hours', () => {
  it('normalises ranges and refuses nonsense', () => {
    expect(parseRange('9:00 - 17:30')).toBe('09:00-17:30')
    expect(parseRange('22:00-24:00')).toBe('22:00-24:00')
    expect(parseRange('17:00-09:00')).toBeNull()
    expect(parseRange('25:00-26:00')).toBeNull()
    expect(parseRange('9-5')).toBeNull()
  })
  it('parses a day, sorted, and finds overlaps', () => {
    expect(parseDayHours('13:00-17:00, 09:00-12:00')).toEqual({ ranges: ['09:00-12:00', '13:00-17:00'], error: '' })
    expect(parseDayHours('')).toEqual({ ranges: [], error: '' })
    expect(parseDayHours('09:00-12:00, 11:00-13:00').error).toMatch(/overlap/)
    expect(parseDayHours('09:00-12:00, lunch').error).toMatch(/lunch/)
  })
  it('round-trips the weekly object, closed days left out', () => {
    const text = hoursToText({ mon: ['09:00-17:30'], sat: ['10:00-12:00', '13:00-15:00'] })
    expect(text.mon).toBe('09:00-17:30')
    expect(text.sun).toBe('')
    expect(text.sat).toBe('10:00-12:00, 13:00-15:00')
    expect(textToHours(text)).toEqual({ hours: { mon: ['09:00-17:30'], sat: ['10:00-12:00', '13:00-15:00'] }, errors: {} })
    expect(textToHours({ ...text, tue: 'x' }).errors.tue).toBeTruthy()
  })
  it('copies one day to the working days or the whole week', () => {
    const t = hoursToText({ mon: ['09:00-17:00'] })
    const w = copyHours(t, 'mon', 'weekdays')
    expect(w.fri).toBe('09:00-17:00')
    expect(w.sat).toBe('')
    expect(copyHours(t, 'mon', 'all').sun).toBe('09:00-17:00')
  })
})

describe('allowed origins', () => {
  it('keeps scheme, host and port only', () => {
    expect(normalizeOrigin('https://Shop.Example.com/')).toBe('https://shop.example.com')
    expect(normalizeOrigin('http://localhost:3000')).toBe('http://localhost:3000')
    expect(normalizeOrigin('https://shop.example.com/path')).toBeNull()
    expect(normalizeOrigin('ftp://x')).toBeNull()
    expect(normalizeOrigin('shop')).toBeNull()
  })
  it('adds once', () => {
    const a = addOrigin([], 'https://a.example')
    expect(a).toEqual({ list: ['https://a.example'], error: '' })
    expect(addOrigin(a.list, 'https://a.example/').error).toMatch(/already/)
  })
})

describe('pre-chat fields and the patch', () => {
  it('checks names and labels', () => {
    expect(
      prechatErrors([
        { name: 'email', label: 'E-mail', type: 'email', required: true },
        { name: 'email', label: 'Again', type: 'text', required: false },
        { name: 'Order No', label: 'Order', type: 'text', required: false },
        { name: 'phone', label: ' ', type: 'text', required: false },
      ]),
    ).toEqual(['', expect.stringMatching(/twice/), expect.stringMatching(/lower-case/), expect.stringMatching(/label/)])
  })
  it('builds the PATCH body from the form', () => {
    const site = { name: 'Shop', color: '#FF0000', allowed_origins: null, business_hours: { mon: ['09:00-17:00'] }, prechat_fields: null } as unknown as Site
    const f = formFromSite(site)
    f.hours.tue = '10:00-12:00'
    const { patch, errors } = patchFromForm(f)
    expect(errors).toEqual({})
    expect(patch).toMatchObject({
      name: 'Shop',
      color: '#ff0000',
      allowed_origins: [],
      business_hours: { mon: ['09:00-17:00'], tue: ['10:00-12:00'] },
      time_zone: 'UTC',
      prechat_fields: [],
    })
    f.name = ' '
    f.hours.wed = 'late'
    const bad = patchFromForm(f)
    expect(bad.patch).toBeNull()
    expect(Object.keys(bad.errors).sort()).toEqual(['hours.wed', 'name'])
  })
})

describe('what an empty day means', () => {
  it('is always open while every day is empty, and closed once a day has hours', () => {
    const none = hoursToText({})
    expect(alwaysOpen(none)).toBe(true)
    expect(emptyDayText(none)).toBe('always open')
    const some = hoursToText({ mon: ['09:00-17:00'] })
    expect(alwaysOpen(some)).toBe(false)
    expect(emptyDayText(some)).toBe('closed')
  })
})
