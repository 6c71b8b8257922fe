// Messages between the chat frame and the loader on the host page
// (window.postMessage). Both sides post only to an exact origin and accept
// only messages from the other window and its exact origin:
//  - the loader knows Parley's origin from its own script src;
//  - the frame learns the host page's origin from the loader's first
//    message (init), checked against the page URL it carries.

export const MSG_INIT = 'parley:init' // loader → frame, once, after the frame loads
export const MSG_VISIBLE = 'parley:visible' // loader → frame: {open}
export const MSG_IDENTIFY = 'parley:identify' // loader → frame: {token}
export const MSG_ATTRIBUTES = 'parley:attributes' // loader → frame: {id, attributes} (Parley.setAttributes)
export const MSG_READY = 'parley:ready' // frame → loader: {color}
export const MSG_ERROR = 'parley:error' // frame → loader: {code, message}
export const MSG_CLOSE = 'parley:close' // frame → loader: hide me
export const MSG_UNREAD = 'parley:unread' // frame → loader: {count, beep}
export const MSG_MESSAGE = 'parley:message' // frame → loader: {message} for Parley.on('message')
export const MSG_STORED = 'parley:stored' // frame → loader: {id, error?: {code, message, details}} for setAttributes

// WebSocket frames, generated from the AsyncAPI document (/api/asyncapi.json)
// by scripts/gen-frames.mjs before every build and test run.
export type { ClientFrame, ServerFrame } from './generated/frames'

export interface InitData {
  type: typeof MSG_INIT
  siteKey: string
  pageUrl: string
  referrer: string
  locale: string
  open: boolean
  identityToken?: string | null
}

export interface HostMessage {
  type: string
  [k: string]: unknown
}

/** A well-formed widget message: an object whose type is a parley:* string. */
export function asWidgetMessage(data: unknown): HostMessage | null {
  if (!data || typeof data !== 'object') return null
  const t = (data as { type?: unknown }).type
  return typeof t === 'string' && t.indexOf('parley:') === 0 ? (data as HostMessage) : null
}

/** Kept for the loader's tests and older callers. */
export function isFrameMessage(data: unknown): boolean {
  const m = asWidgetMessage(data)
  return !!m && m.type === MSG_CLOSE
}

/**
 * The frame's check of a message from its parent: the first must be init
 * and its sender's origin must be the origin of the page URL it reports;
 * afterwards only that origin is accepted. Returns the origin to trust from
 * now on, or null to drop the message.
 */
export function acceptFromHost(
  e: { origin: string; data: unknown; source: unknown },
  parent: unknown,
  trusted: string | null,
): string | null {
  if (e.source !== parent || !e.origin || e.origin === 'null') return null
  const m = asWidgetMessage(e.data)
  if (!m) return null
  if (trusted) return e.origin === trusted ? trusted : null
  if (m.type !== MSG_INIT || typeof m.pageUrl !== 'string') return null
  let pageOrigin: string
  try {
    pageOrigin = new URL(m.pageUrl).origin
  } catch {
    return null
  }
  return pageOrigin === e.origin ? e.origin : null
}
