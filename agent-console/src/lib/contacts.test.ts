import { describe, expect, it } from 'vitest'
import { ApiError } from './api'
import { attributeRows, attributesChange, checkRows, contactName, fieldErrors, rowValue } from './contacts'

describe('attribute rows', () => {
  it('list the attributes by key with their kind', () => {
    expect(attributeRows({ plan: 'pro', seats: 5, vip: true })).toEqual([
      { key: 'plan', kind: 'string', value: 'pro' },
      { key: 'seats', kind: 'number', value: '5' },
      { key: 'vip', kind: 'boolean', value: 'true' },
    ])
    expect(attributeRows(null)).toEqual([])
  })
  it('give the server typed values', () => {
    expect(rowValue({ key: 'a', kind: 'number', value: '2.5' })).toBe(2.5)
    expect(rowValue({ key: 'a', kind: 'boolean', value: 'false' })).toBe(false)
    expect(rowValue({ key: 'a', kind: 'string', value: '42' })).toBe('42')
  })
})

describe('attribute change', () => {
  it('sends what was added or changed and null for what was removed', () => {
    const before = { plan: 'pro', seats: 5, vip: true }
    const rows = [
      { key: 'plan', kind: 'string' as const, value: 'pro' },
      { key: 'seats', kind: 'number' as const, value: '6' },
      { key: ' city ', kind: 'string' as const, value: 'Lyon' },
    ]
    expect(attributesChange(before, rows)).toEqual({ seats: 6, city: 'Lyon', vip: null })
  })
  it('is empty when nothing changed', () => {
    expect(attributesChange({ a: 1 }, [{ key: 'a', kind: 'number', value: '1' }])).toEqual({})
  })
  it('renames a key by removing the old one', () => {
    expect(attributesChange({ a: 'x' }, [{ key: 'b', kind: 'string', value: 'x' }])).toEqual({ b: 'x', a: null })
  })
})

describe('attribute checks', () => {
  it('name the bad key, the duplicate, the bad number and the long text', () => {
    const rows = [
      { key: 'Plan', kind: 'string' as const, value: '' },
      { key: 'seats', kind: 'number' as const, value: 'many' },
      { key: 'note', kind: 'string' as const, value: 'x'.repeat(501) },
      { key: 'ok', kind: 'string' as const, value: 'fine' },
      { key: 'ok', kind: 'string' as const, value: 'again' },
    ]
    expect(checkRows(rows)).toEqual({ 'attributes.0.key': 'key', 'attributes.seats': 'number', 'attributes.note': 'long', 'attributes.4.key': 'duplicate' })
  })
  it('refuse more than 50', () => {
    const rows = Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, kind: 'string' as const, value: '' }))
    expect(checkRows(rows)).toEqual({ attributes: 'many' })
  })
})

describe('server field errors', () => {
  it("are a 400's details, else nothing", () => {
    expect(fieldErrors(new ApiError(400, 'invalid_input', 'bad', { 'attributes.plan': 'at most 500 characters' }))).toEqual({ 'attributes.plan': 'at most 500 characters' })
    expect(fieldErrors(new ApiError(403, 'forbidden', 'no', { a: 'b' }))).toEqual({})
    expect(fieldErrors(new Error('x'))).toEqual({})
  })
})

describe('contact names', () => {
  it('fall back to the e-mail, the external id, then a number', () => {
    const f = (id: number) => `Visitor ${id}`
    expect(contactName({ id: 1, name: 'Ada', email: 'a@x', external_id: null }, f)).toBe('Ada')
    expect(contactName({ id: 1, name: '', email: 'a@x', external_id: 'u1' }, f)).toBe('a@x')
    expect(contactName({ id: 1, name: '', email: '', external_id: 'u1' }, f)).toBe('u1')
    expect(contactName({ id: 1, name: '', email: '', external_id: null }, f)).toBe('Visitor 1')
  })
})
