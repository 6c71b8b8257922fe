import { backoffDelay } from './backoff'
import type { PendingQueue, PendingSend } from './pending'
import type { ClientFrame, Message, ServerFrame } from './types'

/** The part of the browser WebSocket the client uses (a fake in tests). */
export interface SocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onclose: ((ev: { code: number; reason?: string }) => void) | null
  onerror: ((ev: unknown) => void) | null
}

export type ConnectionStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'stopped'

export interface RealtimeOptions {
  /** Fetches a single-use ticket (POST /api/v1/realtime/ticket). */
  getTicket: () => Promise<string>
  /** Builds the /ws URL for a ticket. */
  socketUrl: (ticket: string) => string
  createSocket: (url: string) => SocketLike
  pending: PendingQueue
  /** Run after every (re)connect: re-list conversations, fetch gaps. */
  resync?: () => Promise<void>
  /** Whether an error from getTicket means the session is over (stop, do not retry). */
  isFatal?: (err: unknown) => boolean
  random?: () => number
  uuid?: () => string
  now?: () => number
  /** Heartbeat assumed until the server's hello says otherwise. */
  defaultHeartbeatS?: number
}

type Events = {
  status: (s: ConnectionStatus) => void
  frame: (f: ServerFrame) => void
  ack: (m: Message, sent: PendingSend | undefined) => void
  pending: () => void
  resyncError: (err: unknown) => void
}

const OPEN = 1
/** Send errors worth retrying by themselves; others wait for the user. */
const TRANSIENT = new Set(['internal', 'unavailable', 'rate_limited'])
const MAX_AUTO_RETRIES = 5
/** The server closes with 1012 when it restarts: come back quickly. */
const SERVICE_RESTART = 1012

/**
 * One WebSocket to /ws with everything that makes it dependable: heartbeat
 * and dead-peer detection, reconnect with back-off and jitter, an outbox
 * re-sent with the same client_msg_id until acknowledged, and a resync hook
 * after every connect so nothing missed while offline is lost.
 */
export class RealtimeClient {
  private readonly opts: Required<Omit<RealtimeOptions, 'resync' | 'isFatal'>> &
    Pick<RealtimeOptions, 'resync' | 'isFatal'>
  private socket: SocketLike | null = null
  private ready = false
  private statusValue: ConnectionStatus = 'idle'
  private attempt = 0
  private everConnected = false
  private heartbeatS: number
  private pingTimer: ReturnType<typeof setInterval> | null = null
  private deadTimer: ReturnType<typeof setTimeout> | null = null
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null
  private generation = 0
  private readonly autoRetries = new Map<string, number>()
  private readonly retryTimers = new Set<ReturnType<typeof setTimeout>>()
  private readonly listeners: { [K in keyof Events]: Set<Events[K]> } = {
    status: new Set(),
    frame: new Set(),
    ack: new Set(),
    pending: new Set(),
    resyncError: new Set(),
  }

  constructor(opts: RealtimeOptions) {
    this.opts = {
      random: Math.random,
      uuid: () => crypto.randomUUID(),
      now: Date.now,
      defaultHeartbeatS: 25,
      ...opts,
    }
    this.heartbeatS = this.opts.defaultHeartbeatS
  }

  on<K extends keyof Events>(name: K, fn: Events[K]): () => void {
    this.listeners[name].add(fn)
    return () => this.listeners[name].delete(fn)
  }

  private emit<K extends keyof Events>(name: K, ...args: Parameters<Events[K]>): void {
    for (const fn of this.listeners[name]) (fn as (...a: Parameters<Events[K]>) => void)(...args)
  }

  get status(): ConnectionStatus {
    return this.statusValue
  }

  /** True once the server's hello arrived on the current socket. */
  get connected(): boolean {
    return this.ready
  }

  private setStatus(s: ConnectionStatus): void {
    if (s === this.statusValue) return
    this.statusValue = s
    this.emit('status', s)
  }

  start(): void {
    if (this.statusValue !== 'idle' && this.statusValue !== 'stopped') return
    this.attempt = 0
    this.setStatus('connecting')
    void this.connect()
  }

  stop(): void {
    this.generation++
    this.clearTimers()
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    this.reconnectTimer = null
    const s = this.socket
    this.detach()
    if (s) {
      try {
        s.close(1000, 'bye')
      } catch {
        // Already closed.
      }
    }
    this.setStatus('stopped')
  }

  /** Skip the back-off wait (e.g. the browser says it is online again). */
  reconnectNow(): void {
    if (this.statusValue !== 'reconnecting' || !this.reconnectTimer) return
    clearTimeout(this.reconnectTimer)
    this.reconnectTimer = null
    void this.connect()
  }

  private async connect(): Promise<void> {
    const gen = ++this.generation
    let ticket: string
    try {
      ticket = await this.opts.getTicket()
    } catch (err) {
      if (gen !== this.generation) return
      if (this.opts.isFatal?.(err)) {
        this.stop()
        return
      }
      this.scheduleReconnect()
      return
    }
    if (gen !== this.generation) return
    let socket: SocketLike
    try {
      socket = this.opts.createSocket(this.opts.socketUrl(ticket))
    } catch {
      this.scheduleReconnect()
      return
    }
    this.socket = socket
    this.ready = false
    socket.onmessage = (ev) => this.onMessage(ev.data)
    socket.onclose = (ev) => this.onClose(ev.code)
    socket.onerror = () => {
      // A close event always follows; reconnect from there.
    }
    // The server speaks first; if no hello comes, the socket is as good as dead.
    this.armDeadTimer()
  }

  private onMessage(data: unknown): void {
    this.armDeadTimer()
    let frame: ServerFrame
    try {
      frame = JSON.parse(String(data)) as ServerFrame
    } catch {
      return
    }
    if (!frame || typeof frame.type !== 'string') return
    switch (frame.type) {
      case 'hello':
        this.onHello(frame as Extract<ServerFrame, { type: 'hello' }>)
        break
      case 'ack': {
        const f = frame as Extract<ServerFrame, { type: 'ack' }>
        this.autoRetries.delete(f.client_msg_id)
        const sent = this.opts.pending.remove(f.client_msg_id)
        if (sent) this.emit('pending')
        this.emit('ack', f.message, sent)
        break
      }
      case 'error': {
        const f = frame as Extract<ServerFrame, { type: 'error' }>
        if (f.client_msg_id) this.onSendError(f.client_msg_id, f.code, f.message, f.until)
        break
      }
    }
    this.emit('frame', frame)
  }

  /**
   * A refused send. Passing trouble (server error, rate limit) is retried a
   * few times with back-off, still with the same client_msg_id; anything
   * else (muted, not a member…) is shown to the user as failed.
   */
  private onSendError(id: string, code: string, message: string, until?: string): void {
    const p = this.opts.pending.get(id)
    if (!p) return
    const tries = this.autoRetries.get(id) ?? 0
    if (TRANSIENT.has(code) && tries < MAX_AUTO_RETRIES) {
      this.autoRetries.set(id, tries + 1)
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer)
        const again = this.opts.pending.get(id)
        if (again && again.state === 'sending') this.transmitSend(again)
      }, backoffDelay(tries + 1, this.opts.random))
      this.retryTimers.add(timer)
      return
    }
    this.autoRetries.delete(id)
    const error = typeof until === 'string' && until ? { code, message, until } : { code, message }
    if (this.opts.pending.fail(id, error)) this.emit('pending')
  }

  private onHello(f: Extract<ServerFrame, { type: 'hello' }>): void {
    if (typeof f.heartbeat_s === 'number' && f.heartbeat_s > 0) this.heartbeatS = f.heartbeat_s
    this.ready = true
    this.attempt = 0
    this.everConnected = true
    this.armDeadTimer()
    if (this.pingTimer) clearInterval(this.pingTimer)
    this.pingTimer = setInterval(() => this.transmit({ type: 'ping' }), this.heartbeatS * 1000)
    this.setStatus('connected')
    // Re-send the outbox first: the server dedupes by client_msg_id, and the
    // resync below then sees the stored copies.
    for (const p of this.opts.pending.outgoing()) this.transmitSend(p)
    const gen = this.generation
    if (this.opts.resync) {
      this.opts.resync().catch((err) => {
        if (gen === this.generation) this.emit('resyncError', err)
      })
    }
  }

  private armDeadTimer(): void {
    if (this.deadTimer) clearTimeout(this.deadTimer)
    this.deadTimer = setTimeout(() => this.onDead(), 2 * this.heartbeatS * 1000)
  }

  private onDead(): void {
    // A half-open TCP connection may never deliver a close event, so give up
    // on the socket ourselves rather than wait for the browser.
    const s = this.socket
    this.detach()
    if (s) {
      try {
        s.close(4000, 'heartbeat timeout')
      } catch {
        // Ignore.
      }
    }
    this.onClose(4000)
  }

  private onClose(code: number): void {
    this.detach()
    if (this.statusValue === 'stopped') return
    if (code === SERVICE_RESTART) this.attempt = 0
    this.scheduleReconnect()
  }

  private detach(): void {
    this.clearTimers()
    this.ready = false
    if (this.socket) {
      this.socket.onmessage = null
      this.socket.onclose = null
      this.socket.onerror = null
      this.socket.onopen = null
    }
    this.socket = null
  }

  private clearTimers(): void {
    // Pending retries are dropped too: the outbox is re-sent on reconnect.
    for (const t of this.retryTimers) clearTimeout(t)
    this.retryTimers.clear()
    if (this.pingTimer) clearInterval(this.pingTimer)
    if (this.deadTimer) clearTimeout(this.deadTimer)
    this.pingTimer = null
    this.deadTimer = null
  }

  private scheduleReconnect(): void {
    if (this.statusValue === 'stopped') return
    this.setStatus(this.everConnected ? 'reconnecting' : this.attempt === 0 ? 'connecting' : 'reconnecting')
    const delay = backoffDelay(this.attempt, this.opts.random)
    this.attempt++
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null
      void this.connect()
    }, delay)
  }

  private transmit(frame: ClientFrame): boolean {
    const s = this.socket
    if (!s || !this.ready || s.readyState !== OPEN) return false
    try {
      s.send(JSON.stringify(frame))
      return true
    } catch {
      return false
    }
  }

  private transmitSend(p: PendingSend): boolean {
    // Notes go over REST (POST …/notes); their owner sends and re-sends them.
    if (p.kind === 'note') return false
    const frame: ClientFrame = {
      type: 'send',
      client_msg_id: p.client_msg_id,
      conversation_id: p.conversation_id,
      kind: p.kind ?? 'text',
      body: p.body,
    }
    if (typeof p.attachment_id === 'number') frame.attachment_id = p.attachment_id
    if (typeof p.reply_to_seq === 'number') frame.reply_to_seq = p.reply_to_seq
    return this.transmit(frame)
  }

  /**
   * Queues any send (a media message once its upload is stored, a note) and
   * transmits it when it goes over the socket. A client_msg_id given by the
   * caller is kept, so a message keeps its identity from the first try.
   */
  enqueue(item: {
    conversation_id: number
    kind: PendingSend['kind']
    body?: string
    attachment_id?: number
    attachment?: PendingSend['attachment']
    client_msg_id?: string
    created_at?: string
  }): PendingSend {
    const p: PendingSend = {
      client_msg_id: item.client_msg_id || this.opts.uuid(),
      conversation_id: item.conversation_id,
      kind: item.kind,
      body: item.body ?? '',
      created_at: item.created_at || new Date(this.opts.now()).toISOString(),
      state: 'sending',
    }
    if (typeof item.attachment_id === 'number') p.attachment_id = item.attachment_id
    if (item.attachment) p.attachment = item.attachment
    this.opts.pending.add(p)
    this.emit('pending')
    this.transmitSend(p)
    return this.opts.pending.get(p.client_msg_id) ?? p
  }

  /** Marks a send failed for a refusal that came another way (a REST answer). */
  fail(clientMsgId: string, error: { code: string; message: string }): void {
    if (this.opts.pending.fail(clientMsgId, error)) this.emit('pending')
  }

  /** Takes back a send that was acknowledged another way (a REST answer). */
  acknowledge(m: Message): void {
    this.autoRetries.delete(m.client_msg_id)
    const sent = this.opts.pending.remove(m.client_msg_id)
    if (sent) this.emit('pending')
    this.emit('ack', m, sent)
  }

  /**
   * Queues a text message and sends it if connected. It stays in the outbox
   * (and in storage) until the server acknowledges it.
   */
  send(conversationId: number, body: string, replyToSeq?: number): PendingSend {
    const p: PendingSend = {
      client_msg_id: this.opts.uuid(),
      conversation_id: conversationId,
      kind: 'text',
      body,
      created_at: new Date(this.opts.now()).toISOString(),
      state: 'sending',
    }
    if (typeof replyToSeq === 'number' && replyToSeq > 0) p.reply_to_seq = replyToSeq
    this.opts.pending.add(p)
    this.emit('pending')
    this.transmitSend(p)
    return p
  }

  /** Re-sends a failed message with its original client_msg_id. */
  retry(clientMsgId: string): void {
    if (!this.opts.pending.retry(clientMsgId)) return
    this.autoRetries.delete(clientMsgId)
    this.emit('pending')
    const p = this.opts.pending.get(clientMsgId)
    if (p) this.transmitSend(p)
  }

  discard(clientMsgId: string): void {
    if (this.opts.pending.remove(clientMsgId)) this.emit('pending')
  }

  /**
   * Drops an outbox entry whose stored copy showed up another way (history,
   * a message frame): the ack was lost but the server has it.
   */
  settle(clientMsgId: string): void {
    if (clientMsgId && this.opts.pending.remove(clientMsgId)) this.emit('pending')
  }

  sendRead(conversationId: number, seq: number): boolean {
    return this.transmit({ type: 'read', conversation_id: conversationId, seq })
  }

  /** Tells the server whether the user is at the screen; false if not connected. */
  sendPresence(status: 'online' | 'away'): boolean {
    return this.transmit({ type: 'presence', status })
  }

  sendTyping(conversationId: number, state: 'start' | 'stop'): boolean {
    return this.transmit({ type: 'typing', conversation_id: conversationId, state })
  }

  /** Tells the other agents that this tab opened or closed a support conversation. */
  sendViewing(conversationId: number, state: 'start' | 'stop'): boolean {
    return this.transmit({ type: 'viewing', conversation_id: conversationId, state })
  }
}
