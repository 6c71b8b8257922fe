import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PendingQueue } from './pending'
import { RealtimeClient, type ConnectionStatus, type SocketLike } from './realtime'
import { msg } from './testing'
import { memoryStore, type KeyValueStore } from './types'

class FakeSocket implements SocketLike {
  static all: FakeSocket[] = []
  readyState = 1
  sent: Array<Record<string, unknown>> = []
  closed: { code?: number } | null = null
  onopen: SocketLike['onopen'] = null
  onmessage: SocketLike['onmessage'] = null
  onclose: SocketLike['onclose'] = null
  onerror: SocketLike['onerror'] = null

  constructor(readonly url: string) {
    FakeSocket.all.push(this)
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open')
    this.sent.push(JSON.parse(data))
  }

  close(code?: number): void {
    this.closed = { code }
    this.readyState = 3
  }

  /** The server speaks. */
  receive(frame: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(frame) })
  }

  hello(heartbeat_s = 10): void {
    this.receive({ type: 'hello', session_id: 's', identity: { kind: 'user', id: 1 }, heartbeat_s })
  }

  /** The connection drops (server gone, restart, network). */
  drop(code = 1006): void {
    this.readyState = 3
    this.onclose?.({ code })
  }

  sentOfType(type: string) {
    return this.sent.filter((f) => f.type === type)
  }
}

function latest(): FakeSocket {
  return FakeSocket.all[FakeSocket.all.length - 1]
}

interface Harness {
  rt: RealtimeClient
  pending: PendingQueue
  storage: KeyValueStore
  statuses: ConnectionStatus[]
  resync: ReturnType<typeof vi.fn>
  getTicket: ReturnType<typeof vi.fn>
}

let uuidCounter = 0

function make(opts: { storage?: KeyValueStore; getTicket?: () => Promise<string>; isFatal?: (e: unknown) => boolean } = {}): Harness {
  const storage = opts.storage ?? memoryStore()
  const pending = new PendingQueue(storage, 'outbox')
  const resync = vi.fn(async () => {})
  let n = 0
  const getTicket = vi.fn(opts.getTicket ?? (async () => `t${++n}`))
  const rt = new RealtimeClient({
    getTicket,
    socketUrl: (t) => `ws://parley.test/ws?ticket=${t}`,
    createSocket: (url) => new FakeSocket(url),
    pending,
    resync,
    isFatal: opts.isFatal,
    random: () => 0,
    uuid: () => `uuid-${++uuidCounter}`,
  })
  const statuses: ConnectionStatus[] = []
  rt.on('status', (s) => statuses.push(s))
  return { rt, pending, storage, statuses, resync, getTicket }
}

/** Lets the ticket promise settle so the socket gets created. */
async function settle() {
  await vi.advanceTimersByTimeAsync(0)
}

beforeEach(() => {
  vi.useFakeTimers()
  FakeSocket.all = []
})

afterEach(() => {
  vi.useRealTimers()
})

describe('RealtimeClient connection', () => {
  it('connects with a ticket and is connected after hello', async () => {
    const h = make()
    h.rt.start()
    await settle()
    expect(latest().url).toBe('ws://parley.test/ws?ticket=t1')
    expect(h.rt.connected).toBe(false)
    expect(h.statuses).toEqual(['connecting'])
    latest().hello()
    expect(h.rt.connected).toBe(true)
    expect(h.statuses).toEqual(['connecting', 'connected'])
    expect(h.resync).toHaveBeenCalledTimes(1)
  })

  it('pings every heartbeat and keeps a socket that answers', async () => {
    const h = make()
    h.rt.start()
    await settle()
    const s = latest()
    s.hello(10)
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(10_000)
      s.receive({ type: 'pong' })
    }
    expect(s.sentOfType('ping')).toHaveLength(5)
    expect(s.closed).toBeNull()
    expect(FakeSocket.all).toHaveLength(1)
    expect(h.rt.status).toBe('connected')
  })

  it('declares the socket dead after 2 heartbeats of silence and reconnects', async () => {
    const h = make()
    h.rt.start()
    await settle()
    const s = latest()
    s.hello(10)
    await vi.advanceTimersByTimeAsync(19_999)
    expect(s.closed).toBeNull()
    await vi.advanceTimersByTimeAsync(1)
    expect(s.closed).not.toBeNull()
    expect(h.rt.status).toBe('reconnecting')
    // First retry waits 0.5–1 s (random() = 0 here gives 0.5 s).
    await vi.advanceTimersByTimeAsync(499)
    expect(FakeSocket.all).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(FakeSocket.all).toHaveLength(2)
    latest().hello(10)
    expect(h.rt.status).toBe('connected')
    expect(h.resync).toHaveBeenCalledTimes(2)
  })

  it('treats a socket that never says hello as dead', async () => {
    const h = make()
    h.rt.start()
    await settle()
    await vi.advanceTimersByTimeAsync(50_000) // 2 × the default 25 s heartbeat
    expect(FakeSocket.all[0].closed).not.toBeNull()
    expect(h.rt.status).not.toBe('connected')
  })

  it('backs off exponentially while the server stays away, capped at 30 s', async () => {
    const h = make()
    h.rt.start()
    await settle()
    latest().hello()
    const waits: number[] = []
    for (let i = 0; i < 9; i++) {
      const before = FakeSocket.all.length
      latest().drop()
      let waited = 0
      while (FakeSocket.all.length === before) {
        await vi.advanceTimersByTimeAsync(250)
        waited += 250
      }
      waits.push(waited)
    }
    expect(waits).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000, 15_000])
    // A successful hello resets the back-off.
    latest().hello()
    const before = FakeSocket.all.length
    latest().drop()
    await vi.advanceTimersByTimeAsync(500)
    expect(FakeSocket.all.length).toBe(before + 1)
  })

  it('retries when fetching a ticket fails', async () => {
    let fail = true
    const h = make({
      getTicket: async () => {
        if (fail) throw new Error('offline')
        return 'ok'
      },
    })
    h.rt.start()
    await settle()
    expect(FakeSocket.all).toHaveLength(0)
    fail = false
    await vi.advanceTimersByTimeAsync(500)
    expect(latest().url).toContain('ticket=ok')
  })

  it('stops for good when the ticket error is fatal (signed out)', async () => {
    const h = make({
      getTicket: async () => {
        throw Object.assign(new Error('unauthorised'), { status: 401 })
      },
      isFatal: (e) => (e as { status?: number }).status === 401,
    })
    h.rt.start()
    await settle()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(h.rt.status).toBe('stopped')
    expect(h.getTicket).toHaveBeenCalledTimes(1)
  })

  it('comes back quickly after a 1012 service restart', async () => {
    const h = make()
    h.rt.start()
    await settle()
    latest().hello()
    // Some failed attempts first, so the back-off has grown.
    latest().drop()
    await vi.advanceTimersByTimeAsync(500)
    latest().drop()
    await vi.advanceTimersByTimeAsync(1000)
    latest().hello()
    latest().drop(1012)
    await vi.advanceTimersByTimeAsync(500)
    expect(FakeSocket.all).toHaveLength(4)
  })

  it('stop() closes the socket and never reconnects', async () => {
    const h = make()
    h.rt.start()
    await settle()
    const s = latest()
    s.hello()
    h.rt.stop()
    expect(s.closed?.code).toBe(1000)
    await vi.advanceTimersByTimeAsync(120_000)
    expect(FakeSocket.all).toHaveLength(1)
    expect(h.rt.status).toBe('stopped')
  })

  it('reconnectNow() skips the back-off wait', async () => {
    const h = make()
    h.rt.start()
    await settle()
    latest().hello()
    latest().drop()
    h.rt.reconnectNow()
    await settle()
    expect(FakeSocket.all).toHaveLength(2)
  })
})

describe('RealtimeClient outbox', () => {
  it('sends at once when connected and forgets the message on ack', async () => {
    const h = make()
    h.rt.start()
    await settle()
    const s = latest()
    s.hello()
    const acks: unknown[] = []
    h.rt.on('ack', (m, sent) => acks.push([m.seq, sent?.body]))
    const p = h.rt.send(7, 'hello')
    expect(s.sentOfType('send')).toEqual([
      { type: 'send', client_msg_id: p.client_msg_id, conversation_id: 7, kind: 'text', body: 'hello' },
    ])
    expect(h.pending.list()).toHaveLength(1)
    s.receive({ type: 'ack', client_msg_id: p.client_msg_id, message: msg(1, { client_msg_id: p.client_msg_id }) })
    expect(h.pending.list()).toHaveLength(0)
    expect(acks).toEqual([[1, 'hello']])
  })

  it('sends a reply with reply_to_seq, and again with it after a reconnect', async () => {
    const h = make()
    h.rt.start()
    await settle()
    latest().hello()
    const p = h.rt.send(7, 'yes, that one', 3)
    const want = { type: 'send', client_msg_id: p.client_msg_id, conversation_id: 7, kind: 'text', body: 'yes, that one', reply_to_seq: 3 }
    expect(latest().sentOfType('send')).toEqual([want])
    expect(h.pending.get(p.client_msg_id)?.reply_to_seq).toBe(3)
    latest().drop()
    await vi.advanceTimersByTimeAsync(500)
    latest().hello()
    expect(latest().sentOfType('send')).toEqual([want])
  })

  it('keeps messages typed while offline and sends them after connecting', async () => {
    const h = make()
    const p = h.rt.send(7, 'written offline')
    expect(p.state).toBe('sending')
    h.rt.start()
    await settle()
    const s = latest()
    expect(s.sent).toHaveLength(0)
    s.hello()
    expect(s.sentOfType('send').map((f) => f.client_msg_id)).toEqual([p.client_msg_id])
  })

  it('re-sends unacknowledged messages with the same client_msg_id after a reconnect', async () => {
    const h = make()
    h.rt.start()
    await settle()
    latest().hello()
    const a = h.rt.send(7, 'one')
    const b = h.rt.send(7, 'two')
    latest().receive({ type: 'ack', client_msg_id: a.client_msg_id, message: msg(1) })
    latest().drop()
    await vi.advanceTimersByTimeAsync(500)
    const s2 = latest()
    s2.hello()
    expect(s2.sentOfType('send')).toEqual([
      { type: 'send', client_msg_id: b.client_msg_id, conversation_id: 7, kind: 'text', body: 'two' },
    ])
    // Still unacknowledged: sent again on the next connection too.
    s2.drop(1012)
    await vi.advanceTimersByTimeAsync(500)
    latest().hello()
    expect(latest().sentOfType('send').map((f) => f.client_msg_id)).toEqual([b.client_msg_id])
  })

  it('survives a reload: a new client re-sends the stored outbox', async () => {
    const storage = memoryStore()
    const first = make({ storage })
    const p = first.rt.send(7, 'before reload')
    first.rt.stop()

    const second = make({ storage })
    expect(second.pending.list().map((x) => x.client_msg_id)).toEqual([p.client_msg_id])
    second.rt.start()
    await settle()
    latest().hello()
    expect(latest().sentOfType('send')).toEqual([
      { type: 'send', client_msg_id: p.client_msg_id, conversation_id: 7, kind: 'text', body: 'before reload' },
    ])
  })

  it('marks a rejected send as failed, does not resend it, and retries on request', async () => {
    const h = make()
    h.rt.start()
    await settle()
    latest().hello()
    const p = h.rt.send(7, 'nope')
    latest().receive({ type: 'error', client_msg_id: p.client_msg_id, code: 'not_friends', message: 'Not friends.' })
    expect(h.pending.get(p.client_msg_id)).toMatchObject({
      state: 'failed',
      error: { code: 'not_friends', message: 'Not friends.' },
    })
    latest().drop()
    await vi.advanceTimersByTimeAsync(500)
    latest().hello()
    expect(latest().sentOfType('send')).toHaveLength(0)
    h.rt.retry(p.client_msg_id)
    expect(latest().sentOfType('send').map((f) => f.client_msg_id)).toEqual([p.client_msg_id])
    h.rt.discard(p.client_msg_id)
    expect(h.pending.list()).toHaveLength(0)
  })

  it('keeps the end of a mute that refused a send', async () => {
    const h = make()
    h.rt.start()
    await settle()
    latest().hello()
    const p = h.rt.send(9, 'quiet please')
    latest().receive({
      type: 'error',
      client_msg_id: p.client_msg_id,
      code: 'muted',
      message: 'You are muted.',
      until: '2025-01-01T13:00:00Z',
    })
    expect(h.pending.get(p.client_msg_id)?.error).toEqual({
      code: 'muted',
      message: 'You are muted.',
      until: '2025-01-01T13:00:00Z',
    })
  })

  it('retries passing server trouble by itself, then gives up and shows it', async () => {
    const h = make()
    h.rt.start()
    await settle()
    const s = latest()
    s.hello(1000)
    const p = h.rt.send(7, 'busy server')
    const refuse = () =>
      s.receive({ type: 'error', client_msg_id: p.client_msg_id, code: 'internal', message: 'Try again.' })
    const waits: number[] = []
    for (let i = 0; i < 5; i++) {
      refuse()
      expect(h.pending.get(p.client_msg_id)?.state).toBe('sending')
      const before = s.sentOfType('send').length
      let waited = 0
      while (s.sentOfType('send').length === before) {
        await vi.advanceTimersByTimeAsync(250)
        waited += 250
      }
      waits.push(waited)
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 15_000])
    expect(new Set(s.sentOfType('send').map((f) => f.client_msg_id))).toEqual(new Set([p.client_msg_id]))
    refuse()
    expect(h.pending.get(p.client_msg_id)).toMatchObject({ state: 'failed', error: { code: 'internal' } })
  })

  it('settle() drops an entry whose stored copy arrived another way', async () => {
    const h = make()
    const p = h.rt.send(7, 'x')
    const events = vi.fn()
    h.rt.on('pending', events)
    h.rt.settle(p.client_msg_id)
    expect(h.pending.list()).toHaveLength(0)
    expect(events).toHaveBeenCalledTimes(1)
  })

  it('passes every frame on, and sends read and typing only when connected', async () => {
    const h = make()
    const frames: string[] = []
    h.rt.on('frame', (f) => frames.push(f.type))
    expect(h.rt.sendRead(7, 3)).toBe(false)
    h.rt.start()
    await settle()
    latest().hello()
    latest().receive({ type: 'typing', conversation_id: 7, from: { id: 2 }, state: 'start' })
    latest().receive({ type: 'message', message: msg(4) })
    expect(frames).toEqual(['hello', 'typing', 'message'])
    expect(h.rt.sendRead(7, 4)).toBe(true)
    expect(h.rt.sendTyping(7, 'start')).toBe(true)
    expect(latest().sent).toEqual([
      { type: 'read', conversation_id: 7, seq: 4 },
      { type: 'typing', conversation_id: 7, state: 'start' },
    ])
  })

  it('ignores frames that are not JSON', async () => {
    const h = make()
    h.rt.start()
    await settle()
    latest().onmessage?.({ data: 'garbage' })
    latest().hello()
    expect(h.rt.connected).toBe(true)
  })

  it('sends presence only over a live socket', async () => {
    const h = make()
    expect(h.rt.sendPresence('away')).toBe(false)
    h.rt.start()
    await settle()
    expect(h.rt.sendPresence('away')).toBe(false) // no hello yet
    latest().hello()
    expect(h.rt.sendPresence('away')).toBe(true)
    expect(latest().sentOfType('presence')).toEqual([{ type: 'presence', status: 'away' }])
  })
})

describe('RealtimeClient media and notes', () => {
  it('sends an uploaded media message with its attachment and keeps the given client_msg_id', async () => {
    const h = make()
    h.rt.start()
    await settle()
    latest().hello()
    const p = h.rt.enqueue({ conversation_id: 3, kind: 'image', body: 'look', attachment_id: 42, client_msg_id: 'fixed-id' })
    expect(p.client_msg_id).toBe('fixed-id')
    expect(latest().sentOfType('send')).toEqual([
      { type: 'send', client_msg_id: 'fixed-id', conversation_id: 3, kind: 'image', body: 'look', attachment_id: 42 },
    ])
    // Kept in storage until acked, so a reload re-sends it with the same id.
    const reloaded = new PendingQueue(h.storage, 'outbox')
    expect(reloaded.get('fixed-id')?.attachment_id).toBe(42)
  })

  it('re-sends a pending media message with the same id after a reconnect', async () => {
    const h = make()
    h.rt.enqueue({ conversation_id: 3, kind: 'voice', attachment_id: 7, client_msg_id: 'v1' })
    h.rt.start()
    await settle()
    latest().hello()
    expect(latest().sentOfType('send')).toEqual([
      { type: 'send', client_msg_id: 'v1', conversation_id: 3, kind: 'voice', body: '', attachment_id: 7 },
    ])
    latest().receive({ type: 'ack', client_msg_id: 'v1', message: msg(5, { client_msg_id: 'v1', kind: 'voice' }) })
    expect(h.pending.list()).toEqual([])
  })

  it('keeps notes out of the socket; their REST answer settles them', async () => {
    const h = make()
    h.rt.start()
    await settle()
    latest().hello()
    const acks: string[] = []
    h.rt.on('ack', (m) => acks.push(m.client_msg_id))
    const p = h.rt.enqueue({ conversation_id: 3, kind: 'note', body: 'private' })
    expect(latest().sentOfType('send')).toEqual([])
    latest().drop()
    await vi.advanceTimersByTimeAsync(60_000)
    latest().hello()
    expect(latest().sentOfType('send')).toEqual([])
    h.rt.acknowledge(msg(9, { client_msg_id: p.client_msg_id, kind: 'note' }))
    expect(h.pending.list()).toEqual([])
    expect(acks).toEqual([p.client_msg_id])
  })

  it('marks a send failed when told', () => {
    const h = make()
    const p = h.rt.enqueue({ conversation_id: 3, kind: 'note', body: 'x' })
    h.rt.fail(p.client_msg_id, { code: 'forbidden', message: 'no' })
    expect(h.pending.get(p.client_msg_id)?.state).toBe('failed')
  })
})
