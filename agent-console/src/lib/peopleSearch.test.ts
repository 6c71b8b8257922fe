import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick } from 'vue'
import { usePeopleSearch } from './peopleSearch'

type P = { id: number; name: string }

function setup(find: (term: string) => Promise<P[]>, self = 1) {
  const scope = effectScope()
  const s = scope.run(() => usePeopleSearch(find, () => self, 250))!
  return { s, scope }
}

describe('usePeopleSearch', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('asks once after a pause in typing and leaves the signed-in user out', async () => {
    const find = vi.fn(async (term: string) => [{ id: 1, name: 'me' }, { id: 2, name: term }])
    const { s } = setup(find)
    s.q.value = 'a'
    await nextTick()
    s.q.value = 'al'
    await nextTick()
    s.q.value = 'ali'
    await nextTick()
    expect(find).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(250)
    expect(find).toHaveBeenCalledTimes(1)
    expect(find).toHaveBeenCalledWith('ali')
    expect(s.results.value).toEqual([{ id: 2, name: 'ali' }])
    expect(s.searching.value).toBe(false)
  })

  it('drops an answer that comes after a newer search was asked for', async () => {
    const answers: Record<string, (v: P[]) => void> = {}
    const find = (term: string) => new Promise<P[]>((resolve) => (answers[term] = resolve))
    const { s } = setup(find)
    s.q.value = 'bo'
    await nextTick()
    await vi.advanceTimersByTimeAsync(250)
    s.q.value = 'bob'
    await nextTick()
    await vi.advanceTimersByTimeAsync(250)
    answers.bob([{ id: 3, name: 'bob' }])
    await vi.advanceTimersByTimeAsync(0)
    answers.bo([{ id: 4, name: 'boris' }])
    await vi.advanceTimersByTimeAsync(0)
    expect(s.results.value).toEqual([{ id: 3, name: 'bob' }])
  })

  it('shows the error of a failed search and clears results when the box is emptied', async () => {
    let fail = true
    const find = async (term: string) => {
      if (fail) throw new Error('Too many requests')
      return [{ id: 5, name: term }]
    }
    const { s } = setup(find)
    s.q.value = 'x'
    await nextTick()
    await vi.advanceTimersByTimeAsync(250)
    expect(s.error.value).toBe('Too many requests')
    fail = false
    s.q.value = 'xy'
    await nextTick()
    expect(s.error.value).toBe('')
    await vi.advanceTimersByTimeAsync(250)
    expect(s.results.value).toEqual([{ id: 5, name: 'xy' }])
    s.q.value = '  '
    await nextTick()
    expect(s.results.value).toEqual([])
  })
})
