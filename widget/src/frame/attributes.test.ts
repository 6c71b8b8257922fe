import { describe, expect, it } from 'vitest'
import { ApiError } from './api'
import { AttributeSync, MIN_GAP_MS } from './attributes'

/** A sync on a clock the test moves; waits resolve by moving it. */
function harness(ready = true) {
  let clock = 0
  const writes: Array<{ at: number; attributes: Record<string, unknown> }> = []
  const done: Array<{ id: number; code: string | null }> = []
  const failures: ApiError[] = []
  const state = { ready }
  const sync = new AttributeSync({
    ready: () => state.ready,
    patch: async (attributes) => {
      writes.push({ at: clock, attributes })
      const f = failures.shift()
      if (f) throw f
    },
    done: (id, err) => done.push({ id, code: err ? err.code : null }),
    wait: async (ms) => {
      clock += ms
    },
    now: () => clock,
  })
  const settle = () => new Promise((r) => setTimeout(r, 0))
  return { sync, writes, done, failures, state, settle }
}

describe('attribute writes', () => {
  it('keep the attributes until the session starts, then write them once', async () => {
    const h = harness(false)
    h.sync.set(1, { plan: 'free' })
    h.sync.set(2, { plan: 'pro', seats: 3 })
    await h.settle()
    expect(h.writes).toEqual([])
    expect(h.sync.waiting).toBe(2)
    h.state.ready = true
    await h.sync.flush()
    expect(h.writes.map((w) => w.attributes)).toEqual([{ plan: 'pro', seats: 3 }])
    expect(h.done).toEqual([
      { id: 1, code: null },
      { id: 2, code: null },
    ])
  })

  it('merge rapid calls and stay under 30 writes a minute', async () => {
    const h = harness()
    for (let i = 0; i < 100; i++) h.sync.set(i, { step: i, ['k' + (i % 3)]: i })
    await h.settle()
    await h.settle()
    expect(h.writes.length).toBe(2)
    expect(h.writes[1].attributes).toMatchObject({ step: 99, k0: 99, k1: 97, k2: 98 })
    expect(h.writes[1].at - h.writes[0].at).toBeGreaterThanOrEqual(MIN_GAP_MS)
    expect(h.done).toHaveLength(100)
  })

  it('try again on rate limits and report a refusal to every call it carried', async () => {
    const h = harness()
    h.failures.push(new ApiError(429, 'rate_limited', 'slow down'))
    h.sync.set(1, { plan: 'pro' })
    await h.settle()
    await h.settle()
    expect(h.writes).toHaveLength(2)
    expect(h.done).toEqual([{ id: 1, code: null }])

    h.failures.push(new ApiError(400, 'invalid_field', 'keys are…', { 'attributes.x': 'bad' }))
    h.sync.set(2, { a: '1' })
    h.sync.set(3, { b: '2' })
    await h.settle()
    await h.settle()
    expect(h.done.slice(1)).toEqual([
      { id: 2, code: 'invalid_field' },
      { id: 3, code: 'invalid_field' },
    ])
  })
})
