import type { ClientFrame, ServerFrame } from '../protocol'
import { backoff } from './backoff'

// The visitor's WebSocket: a single-use ticket over REST, then /ws?ticket=.
// It reconnects by itself with exponential back-off and jitter (at once
// when the browser comes back online), and pings every heartbeat_s.

export interface SocketHooks {
  ticket(): Promise<string>
  onOpen(): void
  onClose(): void
  onFrame(f: ServerFrame): void
  /** The ticket was refused for good (e.g. the visitor token is no longer valid). */
  onAuthError?(e: unknown): void
  /** A (re)connect attempt failed and another is scheduled. */
  onRetry?(): void
}

export class Socket {
  ws: WebSocket | null = null
  open = false
  private attempt = 0
  private stopped = true
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  private pingTimer: ReturnType<typeof setInterval> | null = null
  private lastHeard = 0

  constructor(
    private readonly url: string,
    private readonly hooks: SocketHooks,
    win: Window = window,
  ) {
    win.addEventListener('online', () => {
      if (!this.stopped && !this.ws) this.connectNow()
    })
  }

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.connectNow()
  }

  stop(): void {
    this.stopped = true
    this.clearTimers()
    const ws = this.ws
    this.ws = null
    if (ws) ws.close(1000)
    if (this.open) {
      this.open = false
      this.hooks.onClose()
    }
  }

  send(frame: ClientFrame): boolean {
    if (!this.ws || !this.open) return false
    try {
      this.ws.send(JSON.stringify(frame))
      return true
    } catch {
      return false
    }
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer)
    if (this.pingTimer) clearInterval(this.pingTimer)
    this.retryTimer = this.pingTimer = null
  }

  private connectNow(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
    void this.connect()
  }

  private async connect(): Promise<void> {
    if (this.stopped || this.ws) return
    let ticket: string
    try {
      ticket = await this.hooks.ticket()
    } catch (e) {
      const status = (e as { status?: number }).status || 0
      if (status === 401 || status === 403) {
        this.hooks.onAuthError?.(e)
        return
      }
      this.retry()
      return
    }
    if (this.stopped || this.ws) return
    let ws: WebSocket
    try {
      ws = new WebSocket(this.url + encodeURIComponent(ticket))
    } catch {
      this.retry()
      return
    }
    this.ws = ws
    ws.onmessage = (e) => {
      this.lastHeard = Date.now()
      let f: ServerFrame
      try {
        f = JSON.parse(String(e.data))
      } catch {
        return
      }
      if (f.type === 'hello') {
        this.open = true
        this.attempt = 0
        this.heartbeat(Number(f.heartbeat_s) || 25)
        this.hooks.onOpen()
        return
      }
      if (f.type !== 'pong') this.hooks.onFrame(f)
    }
    ws.onclose = () => {
      if (this.ws !== ws) return
      this.ws = null
      if (this.pingTimer) clearInterval(this.pingTimer)
      this.pingTimer = null
      const was = this.open
      this.open = false
      if (was) this.hooks.onClose()
      this.retry()
    }
    ws.onerror = () => {
      // onclose follows and schedules the retry.
    }
  }

  private heartbeat(seconds: number): void {
    if (this.pingTimer) clearInterval(this.pingTimer)
    this.lastHeard = Date.now()
    this.pingTimer = setInterval(() => {
      // Nothing heard for two beats: the peer is gone even if TCP has not noticed.
      if (Date.now() - this.lastHeard > seconds * 2000 + 1000) {
        this.ws?.close(4000)
        return
      }
      this.send({ type: 'ping' })
    }, seconds * 1000)
  }

  private retry(): void {
    if (this.stopped || this.retryTimer) return
    const delay = backoff(this.attempt++, Math.random, 500, 30000)
    this.hooks.onRetry?.()
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      void this.connect()
    }, delay)
  }
}
