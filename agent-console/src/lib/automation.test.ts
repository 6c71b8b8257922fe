import { describe, expect, it } from 'vitest'
import { fieldErrors, operatorsOf, ruleBody } from './automation'

describe('automation rules', () => {
  it('knows the operators of each field', () => {
    expect(operatorsOf('page_url')).toEqual(['contains', 'equals', 'starts_with'])
    expect(operatorsOf('attribute.plan')).toEqual(['equals', 'contains', 'exists'])
    expect(operatorsOf('weather')).toEqual([])
  })

  it('sends only what each type uses', () => {
    const body = ruleBody({
      name: '  Pricing ',
      enabled: true,
      trigger: { type: 'conversation_idle', minutes: '5' as unknown as number, from: 'visitor' },
      conditions: [
        { field: 'queue_id', operator: 'is', value: '3' },
        { field: 'attribute.plan', operator: 'exists', value: 'x' },
      ],
      actions: [{ type: 'send_canned', canned_id: '7' as unknown as number, url: 'x' }, { type: 'resolve', label_id: 1 }],
    })
    expect(body).toEqual({
      name: 'Pricing',
      enabled: true,
      trigger: { type: 'conversation_idle', minutes: 5 },
      conditions: [{ field: 'queue_id', operator: 'is', value: 3 }, { field: 'attribute.plan', operator: 'exists' }],
      actions: [{ type: 'send_canned', canned_id: 7 }, { type: 'resolve' }],
    })
  })

  it('reads field errors from details', () => {
    expect(fieldErrors({ 'actions[0].canned_id': 'bad', n: 1 })).toEqual({ 'actions[0].canned_id': 'bad' })
    expect(fieldErrors(null)).toEqual({})
  })
})
