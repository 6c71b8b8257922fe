import { ApiError } from './api'
import { backoff, sleep } from './backoff'
import { fmt, type Strings } from './i18n'
import { newClientId, type Outbox } from './outbox'
import type { Attachment } from './types'

// Attachments from the visitor: which kind a file is sent as, the size
// check before sending, the upload itself (XMLHttpRequest, for progress),
// the queue of files on their way (Uploads) and the plain words for what
// the server refused.

export type { Attachment } from './types'

/** The largest upload of each kind, from the widget session. */
export type Limits = Partial<Record<'image' | 'voice' | 'video' | 'file', number>>

/** What the outbox keeps of a file while it is on its way. */
export interface FileMeta {
  name: string
  size: number
  type: string
}

/** Pictures the server shows as images; anything else goes as a file (downloaded, never shown). */
export function kindOf(type: string): 'image' | 'file' {
  return /^image\/(png|jpeg|gif|webp)$/i.test(type) ? 'image' : 'file'
}

/** The limit a file breaks, or 0 when it may be sent. */
export function overLimit(f: FileMeta, limits: Limits | null | undefined): number {
  const max = limits && limits[kindOf(f.type)]
  return max && f.size > max ? max : 0
}

/** 1536 → "1.5 KB". */
export function humanSize(n: number): string {
  if (n < 1024) return n + ' B'
  const units = ['KB', 'MB', 'GB']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return (v < 10 ? Math.round(v * 10) / 10 : Math.round(v)) + ' ' + units[i]
}

/** What to tell the visitor when an upload is refused. */
export function uploadError(e: ApiError, t: Strings): string {
  if (e.code === 'upload_budget_exceeded' || e.code === 'upload_budget_spent') return t.upBudget
  if (e.status === 413) return e.code === 'quota_exceeded' ? t.upQuota : t.upTooBig
  if (e.status === 415) return t.upType
  if (e.status === 422) return t.upBroken
  return t.upFailed
}

/** The message for a file refused before sending. */
export function tooBigWords(f: FileMeta, max: number, t: Strings): string {
  return fmt(t.upTooBigMax, { name: f.name, max: humanSize(max) })
}

/** Files dropped or pasted (DataTransfer), or picked (a FileList). */
export function filesOf(src: { files?: FileList | null; items?: DataTransferItemList | null } | null | undefined): File[] {
  if (!src) return []
  const out: File[] = []
  if (src.files && src.files.length) {
    for (let i = 0; i < src.files.length; i++) out.push(src.files[i])
    return out
  }
  const items = src.items
  if (items) {
    for (let i = 0; i < items.length; i++) {
      const f = items[i].kind === 'file' ? items[i].getAsFile() : null
      if (f) out.push(f)
    }
  }
  return out
}

/**
 * Posts one file to /api/v1/uploads as the visitor. The kind goes before the
 * file, so that the server knows what to expect while it streams.
 */
export function upload(
  file: Blob,
  name: string,
  kind: string,
  token: string | null,
  onProgress: (fraction: number) => void,
  XHR: typeof XMLHttpRequest = XMLHttpRequest,
): Promise<Attachment> {
  return new Promise((resolve, reject) => {
    const form = new FormData()
    form.append('kind', kind)
    form.append('file', file, name)
    const xhr = new XHR()
    xhr.open('POST', '/api/v1/uploads')
    if (token) xhr.setRequestHeader('Authorization', `Visitor ${token}`)
    xhr.setRequestHeader('Accept', 'application/json')
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total) onProgress(Math.min(1, e.loaded / e.total))
    }
    xhr.onload = () => {
      let data: { error?: { code?: string; message?: string } } & Partial<Attachment> = {}
      try {
        data = JSON.parse(xhr.responseText || '{}')
      } catch {
        // A proxy's page: the status says enough.
      }
      if (xhr.status === 201 || xhr.status === 200) {
        onProgress(1)
        resolve(data as Attachment)
        return
      }
      const err = data.error || {}
      reject(new ApiError(xhr.status, err.code || 'http_' + xhr.status, err.message || 'upload failed'))
    }
    xhr.onerror = () => reject(new ApiError(0, 'network', 'network error'))
    xhr.ontimeout = xhr.onerror
    xhr.send(form)
  })
}

export interface UploadHooks {
  token(): string | null
  limits(): Limits | null
  t(): Strings
  /** Upload progress of one pending message, 0 to 1. */
  progress(clientMsgId: string, fraction: number, uploading: boolean): void
  /** An upload is done: its message can be sent now. */
  uploaded(): void
  /** The outbox changed: keep and draw it. */
  changed(): void
}

/**
 * The visitor's files on their way: each is checked against the site's
 * limits, put in the outbox as an uploading message, uploaded (tried again
 * with back-off on network trouble), then left to the outbox to send.
 * Their bytes never leave the page's memory.
 */
export class Uploads {
  private files = new Map<string, File>()

  constructor(
    private readonly outbox: Outbox,
    private readonly hooks: UploadHooks,
    private readonly send: typeof upload = upload,
    private readonly wait: (ms: number) => Promise<void> = sleep,
  ) {}

  /** Starts uploading the files that may be sent; returns the words for those refused at once. */
  add(files: File[]): string {
    const errors: string[] = []
    for (const file of files) {
      const meta = { name: file.name || 'file', size: file.size, type: file.type || '' }
      const max = overLimit(meta, this.hooks.limits())
      if (max) {
        errors.push(tooBigWords(meta, max, this.hooks.t()))
        continue
      }
      const id = newClientId()
      this.files.set(id, file)
      this.outbox.addMedia(id, kindOf(meta.type), meta)
      void this.start(id)
    }
    return errors.join(' ')
  }

  /** The visitor gives up on a refused upload. */
  remove(id: string): void {
    this.outbox.remove(id)
    this.files.delete(id)
  }

  private async start(id: string, attempt = 0): Promise<void> {
    const p = this.outbox.get(id)
    const file = this.files.get(id)
    if (!p || !p.file) return
    if (!file) {
      // The page was reloaded meanwhile: nothing left to upload.
      this.outbox.remove(id)
      this.hooks.changed()
      return
    }
    try {
      const a = await this.send(file, p.file.name, p.kind || 'file', this.hooks.token(), (f) => this.progress(id, f))
      this.files.delete(id)
      this.outbox.uploaded(id, a)
      this.hooks.uploaded()
    } catch (e) {
      const err = e as ApiError
      if (!this.outbox.get(id)) return
      if (err.retryable && attempt < 4) {
        await this.wait(backoff(attempt))
        return this.start(id, attempt + 1)
      }
      this.outbox.fail(id, uploadError(err, this.hooks.t()))
      this.hooks.changed()
    }
  }

  private progress(id: string, fraction: number): void {
    const p = this.outbox.get(id)
    if (!p) return
    p.progress = fraction
    this.hooks.progress(id, fraction, p.state === 'uploading')
  }
}
