import { ApiError } from './api'
import { fmt, type Strings } from './i18n'

// Attachments from the visitor: which kind a file is sent as, the size
// check before sending, the upload itself (XMLHttpRequest, for progress)
// and the plain words for what the server refused.

/** An upload as the server describes it, in upload answers and messages. */
export interface Attachment {
  id: number
  kind: 'image' | 'voice' | 'video' | 'file' | string
  mime: string
  size: number
  name: string
  url: string
  thumb_url?: string
  width?: number
  height?: number
}

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
