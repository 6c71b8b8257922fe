import { describe, expect, it } from 'vitest'
import { PendingQueue, type PendingSend } from './pending'
import { memoryStore } from './types'

const item = (id: string, state: PendingSend['state'] = 'sending'): PendingSend => ({
  client_msg_id: id,
  conversation_id: 3,
  kind: 'text',
  body: `body ${id}`,
  created_at: '2025-01-01T00:00:00Z',
  state,
})

describe('PendingQueue', () => {
  it('persists every change', () => {
    const storage = memoryStore()
    const q = new PendingQueue(storage, 'k')
    q.add(item('a'))
    q.add(item('b'))
    q.fail('b', { code: 'muted', message: 'You are muted.' })
    const reloaded = new PendingQueue(storage, 'k')
    expect(reloaded.list().map((p) => [p.client_msg_id, p.state])).toEqual([
      ['a', 'sending'],
      ['b', 'failed'],
    ])
    expect(reloaded.outgoing().map((p) => p.client_msg_id)).toEqual(['a'])
  })

  it('ignores duplicates and removes what is acknowledged', () => {
    const storage = memoryStore()
    const q = new PendingQueue(storage, 'k')
    q.add(item('a'))
    q.add(item('a'))
    expect(q.list()).toHaveLength(1)
    expect(q.remove('a')?.client_msg_id).toBe('a')
    expect(q.remove('a')).toBeUndefined()
    expect(storage.getItem('k')).toBeNull()
  })

  it('retry puts a failed message back in the outgoing list', () => {
    const q = new PendingQueue(memoryStore(), 'k')
    q.add(item('a'))
    q.fail('a', { code: 'x', message: 'y' })
    expect(q.outgoing()).toHaveLength(0)
    expect(q.retry('a')).toBe(true)
    expect(q.get('a')).toMatchObject({ state: 'sending', error: undefined })
    expect(q.retry('missing')).toBe(false)
  })

  it('survives corrupt storage', () => {
    const storage = memoryStore()
    storage.setItem('k', 'not json')
    expect(new PendingQueue(storage, 'k').list()).toEqual([])
    storage.setItem('k', JSON.stringify([{ nonsense: true }, item('ok')]))
    expect(new PendingQueue(storage, 'k').list().map((p) => p.client_msg_id)).toEqual(['ok'])
  })
})
