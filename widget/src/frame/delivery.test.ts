import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from './api'
import { Delivery, type DeliveryHooks } from './delivery'
import type { Message } from './store'

const echo = (id: string, body: Record<string, unknown>): Message => ({
  id: 1,
  conversation_id: 7,
  seq: 1,
  client_msg_id: id,
  sender: { kind: 'visitor', id: 1, name: 'V' },
  kind: String(body.kind) as Message['kind'],
  body: String(body.body),
  created_at: '',
})

function setUp(over: Partial<DeliveryHooks> = {}) {
  const frames: Array<Record<string, unknown>> = []
  const posts: Array<Record<string, unknown>> = []
  const socket = {
    open: true,
    send: (f: object) => {
      if (!socket.open) return false
      frames.push(f as Record<string, unknown>)
      return true
    },
  }
  const changed = vi.fn()
  const hooks: DeliveryHooks = {
    ready: () => true,
    conversationId: () => 7,
    openConversation: async () => undefined,
    socket: () => socket,
    post: async (id, body) => {
      posts.push({ conversation: id, ...body })
      return echo(String(body.client_msg_id), body)
    },
    confirmed: () => true,
    changed,
    ...over,
  }
  return { d: new Delivery(hooks), frames, posts, socket, changed }
}

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('Delivery', () => {
  it('sends over the socket first, then over REST with the same id when no ack comes', async () => {
    const { d, frames, posts } = setUp()
    d.outbox.add('c-1', 'hello')
    d.flush()
    expect(frames).toEqual([{ type: 'send', client_msg_id: 'c-1', conversation_id: 7, kind: 'text', body: 'hello' }])
    expect(posts).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(5000)
    expect(posts).toEqual([{ conversation: 7, client_msg_id: 'c-1', conversation_id: undefined, kind: 'text', body: 'hello' }])
    await vi.waitFor(() => expect(d.outbox.items).toHaveLength(0))
  })

  it('uses REST at once while the socket is down', async () => {
    const { d, frames, posts, socket } = setUp()
    socket.open = false
    d.outbox.add('c-1', 'hi')
    d.flush()
    expect(frames).toHaveLength(0)
    expect(posts).toHaveLength(1)
    await vi.waitFor(() => expect(d.outbox.items).toHaveLength(0))
  })

  it('is done on an ack and shows the confirmed copy', () => {
    const confirmed = vi.fn(() => true)
    const { d, changed } = setUp({ confirmed })
    d.outbox.add('c-1', 'hi')
    d.flush()
    const m = echo('c-1', { kind: 'text', body: 'hi' })
    d.acked('c-1', m)
    expect(d.outbox.items).toHaveLength(0)
    expect(confirmed).toHaveBeenCalledWith(m)
    expect(changed).toHaveBeenCalled()
  })

  it('marks a refused send failed but lets retryable error codes retry', () => {
    const { d } = setUp()
    d.outbox.add('c-1', 'x'.repeat(5000))
    d.outbox.add('c-2', 'y')
    d.refused('c-2', 'rate_limited', 'slow down')
    expect(d.outbox.get('c-2')!.state).toBe('sending')
    d.refused('c-1', 'invalid_input', 'too long')
    expect(d.outbox.get('c-1')).toMatchObject({ state: 'failed', error: 'too long' })
    d.refused('', 'invalid_input', 'no id')
    d.refused('c-9', 'invalid_input', 'unknown')
    expect(d.outbox.items.map((p) => p.state)).toEqual(['failed', 'sending'])
  })

  it('opens the conversation with the first message, and fails them all on a refusal', async () => {
    let conv: number | null = null
    const { d, frames } = setUp({
      conversationId: () => conv,
      openConversation: async () => {
        conv = 8
      },
    })
    d.outbox.add('c-1', 'first')
    d.flush()
    await vi.waitFor(() => expect(frames).toHaveLength(1))
    expect(frames[0]).toMatchObject({ conversation_id: 8 })

    const refused = setUp({
      conversationId: () => null,
      openConversation: async () => {
        throw new ApiError(403, 'forbidden', 'closed')
      },
    })
    refused.d.outbox.add('c-1', 'a')
    refused.d.outbox.add('c-2', 'b')
    refused.d.flush()
    await vi.waitFor(() => expect(refused.changed).toHaveBeenCalled())
    expect(refused.d.outbox.items.map((p) => [p.state, p.error])).toEqual([
      ['failed', 'closed'],
      ['failed', 'closed'],
    ])
  })

  it('sends nothing before the session is loaded', () => {
    const { d, frames, posts } = setUp({ ready: () => false })
    d.outbox.add('c-1', 'hi')
    d.flush()
    expect(frames.length + posts.length).toBe(0)
  })

  it('drops pending messages whose copy is already known', () => {
    const { d } = setUp()
    d.outbox.add('c-1', 'a')
    d.outbox.add('c-2', 'b')
    d.dropConfirmed((id) => id === 'c-1')
    expect(d.outbox.items.map((p) => p.client_msg_id)).toEqual(['c-2'])
  })
})
