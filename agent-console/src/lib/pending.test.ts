import { describe, expect, it } from 'vitest'
import { PendingQueue, sendStatus, type PendingSend } from './pending'
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

describe('sendStatus', () => {
  it('shows a send as queued while there is no connection, sending while it waits for the ack', () => {
    expect(sendStatus(item('a'), false)).toBe('queued')
    expect(sendStatus(item('a'), true)).toBe('sending')
    expect(sendStatus(item('a', 'failed'), true)).toBe('failed')
    expect(sendStatus(item('a', 'failed'), false)).toBe('failed')
  })

  it('keeps a queued send, with its client_msg_id, across a reload until it is acknowledged', () => {
    const storage = memoryStore()
    new PendingQueue(storage, 'k').add(item('offline-1'))
    const after = new PendingQueue(storage, 'k')
    expect(after.outgoing().map((p) => p.client_msg_id)).toEqual(['offline-1'])
    expect(sendStatus(after.get('offline-1')!, false)).toBe('queued')
    after.remove('offline-1')
    expect(new PendingQueue(storage, 'k').list()).toEqual([])
  })
})
