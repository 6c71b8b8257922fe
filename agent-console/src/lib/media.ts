import type { Attachment, MediaKind } from './types'

export const MEDIA_KINDS: readonly MediaKind[] = ['image', 'voice', 'video', 'file']

export function isMediaKind(kind: unknown): kind is MediaKind {
  return typeof kind === 'string' && (MEDIA_KINDS as readonly string[]).includes(kind)
}

/** "0:07", "1:05", "1:02:03" for a duration in milliseconds. */
export function formatDuration(ms: number | null | undefined): string {
  const total = Math.max(0, Math.floor((Number.isFinite(ms) ? (ms as number) : 0) / 1000))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const ss = String(s).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`
}

/** "512 B", "1.5 KB", "12 MB" (powers of 1024, one decimal under 10). */
export function formatSize(bytes: number | null | undefined): string {
  const n = Number.isFinite(bytes) ? Math.max(0, bytes as number) : 0
  if (n < 1024) return `${n} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  const shown = v < 10 ? (Math.round(v * 10) / 10).toString() : Math.round(v).toString()
  return `${shown} ${units[i]}`
}

/**
 * The kind a chosen file will most likely be stored as, for the preview
 * shown while it uploads. The server decides by content; this only guesses
 * from the browser's type.
 */
export function guessKind(mime: string): MediaKind {
  const t = (mime || '').toLowerCase()
  if (/^image\/(jpeg|png|gif|webp)$/.test(t)) return 'image'
  if (t.startsWith('video/')) return 'video'
  if (t.startsWith('audio/')) return 'voice'
  return 'file'
}

/** The body of a send (frame or REST) for a stored upload, with an optional caption. */
export function mediaSendBody(
  clientMsgId: string,
  attachment: Pick<Attachment, 'id' | 'kind'>,
  caption = '',
): { client_msg_id: string; kind: MediaKind; attachment_id: number; body?: string } {
  const out: { client_msg_id: string; kind: MediaKind; attachment_id: number; body?: string } = {
    client_msg_id: clientMsgId,
    kind: attachment.kind,
    attachment_id: attachment.id,
  }
  const text = caption.trim()
  if (text) out.body = text
  return out
}

/** Whether the attachment's signed URLs have (nearly) run out. */
export function linkExpired(a: Partial<Pick<Attachment, 'url_expires_at'>>, now: number, marginMs = 5_000): boolean {
  if (!a.url_expires_at) return false
  const at = Date.parse(a.url_expires_at)
  return Number.isFinite(at) && at - marginMs <= now
}

/** Size of an image preview that fits in a box, keeping the aspect ratio. */
export function fitWithin(
  width: number | undefined,
  height: number | undefined,
  maxW = 280,
  maxH = 280,
): { width: number; height: number } | null {
  if (!width || !height || width <= 0 || height <= 0) return null
  const scale = Math.min(1, maxW / width, maxH / height)
  return { width: Math.round(width * scale), height: Math.round(height * scale) }
}

/** The first container MediaRecorder supports, among those the server can read. */
export function pickRecorderMime(isTypeSupported: (t: string) => boolean): string {
  for (const t of ['audio/webm;codecs=opus', 'audio/webm', 'audio/ogg;codecs=opus', 'audio/ogg', 'audio/mp4']) {
    try {
      if (isTypeSupported(t)) return t
    } catch {
      // Some browsers throw for types they do not know.
    }
  }
  return ''
}

/** A file name for a recording, by container. */
export function recordingName(mime: string, at: Date = new Date()): string {
  const ext = mime.includes('ogg') ? 'ogg' : mime.includes('mp4') ? 'm4a' : 'webm'
  const pad = (n: number) => String(n).padStart(2, '0')
  const stamp = `${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())}-${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}`
  return `voice-${stamp}.${ext}`
}

/** The files carried by a paste or a drop (DataTransfer items or files). */
export function filesFrom(dt: { files?: ArrayLike<File> | null; items?: ArrayLike<DataTransferItemLike> | null } | null): File[] {
  if (!dt) return []
  const out: File[] = []
  if (dt.items && dt.items.length) {
    for (let i = 0; i < dt.items.length; i++) {
      const it = dt.items[i]
      if (it.kind === 'file') {
        const f = it.getAsFile()
        if (f) out.push(f)
      }
    }
    if (out.length) return out
  }
  if (dt.files) for (let i = 0; i < dt.files.length; i++) out.push(dt.files[i])
  return out
}

export interface DataTransferItemLike {
  kind: string
  getAsFile(): File | null
}
