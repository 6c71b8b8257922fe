import { ApiError } from './api'
import { backoff, sleep } from './backoff'

// Parley.setAttributes in the frame: the host page's attributes wait here
// until the visitor has a session (a page view creates nothing), then go to
// PATCH /widget/visitor. The server takes 30 writes a minute from a
// visitor, so writes are at least MIN_GAP_MS apart and the calls made in
// between are merged into the next write.

/** 60 s / 30 writes. */
export const MIN_GAP_MS = 2000

export interface AttributeDeps {
  /** The visitor has a session: writes may go. */
  ready: () => boolean
  /** PATCH /widget/visitor {attributes}. */
  patch: (attributes: Record<string, unknown>) => Promise<unknown>
  /** Call id is stored (error null) or refused. */
  done: (id: number, error: ApiError | null) => void
  wait?: (ms: number) => Promise<void>
  now?: () => number
}

export class AttributeSync {
  private next: Record<string, unknown> = {}
  private ids: number[] = []
  private busy = false
  private lastAt = -Infinity

  constructor(private readonly deps: AttributeDeps) {}

  /** Calls not yet stored. */
  get waiting(): number {
    return this.ids.length
  }

  /** Takes one setAttributes call; later values of a key win. */
  set(id: number, attributes: Record<string, unknown>): void {
    Object.assign(this.next, attributes)
    this.ids.push(id)
    void this.flush()
  }

  /** Writes what waits, when the session allows (call again once it starts). */
  async flush(): Promise<void> {
    if (this.busy || !this.ids.length || !this.deps.ready()) return
    this.busy = true
    const wait = this.deps.wait || sleep
    const now = this.deps.now || Date.now
    try {
      const gap = this.lastAt + MIN_GAP_MS - now()
      if (gap > 0) await wait(gap)
      const attributes = this.next
      const ids = this.ids
      this.next = {}
      this.ids = []
      let error: ApiError | null = null
      for (let attempt = 0; ; attempt++) {
        try {
          this.lastAt = now()
          await this.deps.patch(attributes)
          break
        } catch (e) {
          error = e instanceof ApiError ? e : new ApiError(0, 'network', String(e))
          if (!error.retryable || attempt >= 3) break
          error = null
          await wait(Math.max(MIN_GAP_MS, backoff(attempt)))
        }
      }
      for (const id of ids) this.deps.done(id, error)
    } finally {
      this.busy = false
    }
    if (this.ids.length) await this.flush()
  }
}
