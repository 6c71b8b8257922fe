import { describe, expect, it } from 'vitest'
import { dismissKey, doneCount, nextStep, type SetupChecklist } from './checklist'

const list = (done: boolean[]): SetupChecklist => ({
  steps: (['create_site', 'join_queue', 'go_online', 'paste_snippet', 'test_message'] as const).map((id, i) => ({ id, done: done[i] })),
  done: done.every(Boolean),
  demo_url: 'http://localhost:8080/demo',
})

describe('checklist', () => {
  it('points at the first step not done', () => {
    expect(nextStep(list([true, false, true, false, false]))).toBe('join_queue')
    expect(nextStep(list([true, true, true, true, true]))).toBeNull()
    expect(nextStep(null)).toBeNull()
  })

  it('counts what is done', () => {
    expect(doneCount(list([true, false, true, false, true]))).toBe(3)
    expect(doneCount(undefined)).toBe(0)
  })

  it('remembers a dismissal per user', () => {
    expect(dismissKey(7)).not.toBe(dismissKey(8))
  })
})
