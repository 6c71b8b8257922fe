import { ApiError } from './api'
import { t } from './i18n'
import type { Attachment, MediaKind } from './types'

/**
 * One upload's life: queued → uploading (with progress) → uploaded, or
 * failed (retry goes back to uploading) or canceled. Steps that make no
 * sense from the current phase (progress after the end, a second done) are
 * ignored, so late XHR events cannot undo a result.
 */
export type UploadPhase = 'queued' | 'uploading' | 'uploaded' | 'failed' | 'canceled'

export interface UploadError {
  status: number
  code: string
  message: string
}

export interface UploadState {
  phase: UploadPhase
  loaded: number
  total: number
  attachment?: Attachment
  error?: UploadError
}

export type UploadEvent =
  | { type: 'start'; total: number }
  | { type: 'progress'; loaded: number; total?: number }
  | { type: 'done'; attachment: Attachment }
  | { type: 'fail'; error: UploadError }
  | { type: 'retry' }
  | { type: 'cancel' }

export function initialUpload(total = 0): UploadState {
  return { phase: 'queued', loaded: 0, total }
}

export function uploadStep(s: UploadState, e: UploadEvent): UploadState {
  switch (e.type) {
    case 'start':
      if (s.phase !== 'queued') return s
      return { phase: 'uploading', loaded: 0, total: e.total > 0 ? e.total : s.total }
    case 'progress': {
      if (s.phase !== 'uploading') return s
      const total = e.total && e.total > 0 ? e.total : s.total
      const loaded = Math.max(s.loaded, Math.min(e.loaded, total || e.loaded))
      return { ...s, loaded, total }
    }
    case 'done':
      if (s.phase !== 'uploading' && s.phase !== 'queued') return s
      return { phase: 'uploaded', loaded: s.total, total: s.total, attachment: e.attachment }
    case 'fail':
      if (s.phase !== 'uploading' && s.phase !== 'queued') return s
      return { ...s, phase: 'failed', error: e.error }
    case 'retry':
      if (s.phase !== 'failed') return s
      return { phase: 'uploading', loaded: 0, total: s.total }
    case 'cancel':
      if (s.phase === 'uploaded') return s
      return { ...s, phase: 'canceled' }
  }
}

/** Progress from 0 to 1 (1 once uploaded). */
export function uploadFraction(s: UploadState): number {
  if (s.phase === 'uploaded') return 1
  if (!s.total) return 0
  return Math.max(0, Math.min(1, s.loaded / s.total))
}

/** Whether the user can retry the upload (a refusal of the content itself cannot be). */
export function retryable(e: UploadError | undefined): boolean {
  if (!e) return false
  if (e.status === 0 || e.status >= 500 || e.status === 429 || e.status === 401) return true
  return e.code === 'upload_interrupted'
}

/** A sentence for an upload the server refused, by its error code. */
export function uploadErrorText(e: UploadError): string {
  switch (e.code) {
    case 'too_large':
      return e.message && e.message !== 'the upload is too large'
        ? t('upload.tooLargeWhy', { why: e.message })
        : t('upload.tooLarge')
    case 'too_long':
      return e.message ? t('upload.tooLongWhy', { why: e.message }) : t('upload.tooLong')
    case 'quota_exceeded':
      return t('upload.quota')
    case 'unsupported_media_type':
      return t('upload.kind')
    case 'unreadable_media':
      return t('upload.unreadable')
    case 'upload_interrupted':
    case 'network_error':
      return t('upload.interrupted')
    case 'rate_limited':
      return t('upload.rate')
  }
  if (e.status === 413) return t('upload.tooLarge')
  if (e.status === 415) return t('upload.type')
  if (e.status === 422) return t('upload.unreadableShort')
  return e.message || t('upload.failed', { status: e.status })
}

/** The part of XMLHttpRequest the uploader uses (a fake in tests). */
export interface XhrLike {
  open(method: string, url: string): void
  setRequestHeader(name: string, value: string): void
  send(body: unknown): void
  abort(): void
  readonly status: number
  readonly responseText: string
  getResponseHeader?(name: string): string | null
  upload: { onprogress: ((ev: { loaded: number; total: number; lengthComputable: boolean }) => void) | null }
  onload: (() => void) | null
  onerror: (() => void) | null
  onabort: (() => void) | null
}

export interface UploadRequest {
  file: Blob
  name?: string
  /** Asks the server for this kind; left out, the server decides by content. */
  kind?: MediaKind
  token?: string
  url?: string
  createXhr?: () => XhrLike
  createForm?: () => FormData
  onProgress?: (loaded: number, total: number) => void
  signal?: AbortSignal
}

function errorFrom(status: number, text: string): ApiError {
  let code = `http_${status}`
  let message = ''
  try {
    const data = JSON.parse(text) as { error?: { code?: string; message?: string } }
    if (data?.error?.code) code = data.error.code
    if (data?.error?.message) message = data.error.message
  } catch {
    // Not JSON.
  }
  if (status === 413 && code === `http_${status}`) code = 'too_large'
  return new ApiError(status, code, message || `The server answered ${status}.`)
}

/**
 * POSTs one file as multipart/form-data (the kind field first, then the
 * file, as the server reads them in order) with upload progress. Resolves
 * with the stored attachment; rejects with an ApiError (status 0 for a
 * network failure, code 'aborted' when canceled).
 */
export function uploadFile(req: UploadRequest): Promise<Attachment> {
  return new Promise((resolve, reject) => {
    const xhr = (req.createXhr ?? (() => new XMLHttpRequest() as unknown as XhrLike))()
    const form = (req.createForm ?? (() => new FormData()))()
    if (req.kind) form.append('kind', req.kind)
    if (req.name) form.append('file', req.file, req.name)
    else form.append('file', req.file)
    const total = req.file.size
    xhr.open('POST', req.url ?? '/api/v1/uploads')
    xhr.setRequestHeader('Accept', 'application/json')
    if (req.token) xhr.setRequestHeader('Authorization', `Bearer ${req.token}`)
    xhr.upload.onprogress = (ev) => req.onProgress?.(ev.loaded, ev.lengthComputable && ev.total > 0 ? ev.total : total)
    xhr.onload = () => {
      if (xhr.status === 201 || xhr.status === 200) {
        try {
          resolve(JSON.parse(xhr.responseText) as Attachment)
        } catch {
          reject(new ApiError(xhr.status, 'bad_response', 'The server answered something unexpected.'))
        }
        return
      }
      reject(errorFrom(xhr.status, xhr.responseText))
    }
    xhr.onerror = () => reject(new ApiError(0, 'network_error', 'Cannot reach the server. Check your connection.'))
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'The upload was canceled.'))
    if (req.signal) {
      if (req.signal.aborted) {
        reject(new ApiError(0, 'aborted', 'The upload was canceled.'))
        return
      }
      req.signal.addEventListener('abort', () => xhr.abort(), { once: true })
    }
    xhr.send(form)
  })
}
