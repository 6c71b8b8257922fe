import { describe, expect, it } from 'vitest'
import { slaState, textOn } from './labels'
import type { SupportConversation } from './types'

const base = (over: Partial<SupportConversation>): SupportConversation =>
  ({ id: 1, status: 'assigned', last_message: null, ...over }) as SupportConversation

const sla = (first: string | null, breached = false) => ({
  first_response_due_at: first,
  resolution_due_at: null,
  first_response_target_s: first ? 600 : null,
  resolution_target_s: null,
  first_response_at: null,
  first_response_breached: breached,
  resolution_breached: false,
})

describe('SLA badge', () => {
  const now = Date.parse('2026-01-01T10:00:00Z')
  it('is empty without targets or far from them', () => {
    expect(slaState(base({}), now)).toBeNull()
    expect(slaState(base({ sla: sla('2026-01-01T10:09:00Z') }), now)).toBeNull()
  })
  it('is near under a quarter of the target left, counting whole minutes up', () => {
    expect(slaState(base({ sla: sla('2026-01-01T10:01:30Z') }), now)).toEqual({ kind: 'near', minutes: 2 })
  })
  it('is overdue past the due time or when the server says breached', () => {
    expect(slaState(base({ sla: sla('2026-01-01T09:59:00Z') }), now)).toEqual({ kind: 'overdue', minutes: 0 })
    expect(slaState(base({ sla: sla(null, true) }), now)).toEqual({ kind: 'overdue', minutes: 0 })
  })
  it('is gone once resolved', () => {
    expect(slaState(base({ status: 'resolved', sla: sla('2026-01-01T09:59:00Z') }), now)).toBeNull()
  })
})

describe('label text colour', () => {
  it('is dark on light and light on dark', () => {
    expect(textOn('#ffff00')).toBe('#000')
    // Mid greens where a lighter black or white falls under 4.5:1.
    expect(textOn('#2b8a3e')).toBe('#000')
    expect(textOn('#1f6f30')).toBe('#fff')
    expect(textOn('#000080')).toBe('#fff')
  })
})
