// What a Web Push message shows: the service worker turns the server's
// payload into a notification in the user's language. Pure, so it is tested
// without a browser.
import zhCN from '../locales/zh-CN'
import { addDictionary, translate, type Locale, type MessageKey } from './translate'

// A notification may come in either language at any moment, offline too:
// the worker carries both tables (the console loads Chinese only when used).
addDictionary('zh-CN', zhCN)

/** The payload the server pushes for an unread message. */
export interface PushMessage {
  type: 'message'
  conversation_id: number
  seq: number
  kind: string
  sender_name: string
  /** '' for a direct chat. */
  conversation_name: string
  /** The text, '' for anything else. */
  preview: string
  /** Where a click goes: "/#/chats/N" or "/#/inbox/N" (the console's routes). */
  url: string
  unread: number
}

/** What the worker passes to showNotification. */
export interface NotificationText {
  title: string
  body: string
  /** One notification per conversation: a newer one replaces the older. */
  tag: string
  /** The console page a click opens. */
  url: string
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '')
const int = (v: unknown): number => (typeof v === 'number' && Number.isInteger(v) ? v : 0)

/** Reads a push payload; null when it is not a message we know how to show. */
export function parsePush(data: unknown): PushMessage | null {
  if (!data || typeof data !== 'object') return null
  const d = data as Record<string, unknown>
  if (d.type !== 'message' || int(d.conversation_id) <= 0) return null
  return {
    type: 'message',
    conversation_id: int(d.conversation_id),
    seq: int(d.seq),
    kind: str(d.kind) || 'text',
    sender_name: str(d.sender_name),
    conversation_name: str(d.conversation_name),
    preview: str(d.preview),
    url: str(d.url),
    unread: int(d.unread),
  }
}

const KIND_KEYS: Record<string, MessageKey> = {
  image: 'notify.image',
  voice: 'notify.voice',
  video: 'notify.video',
  file: 'notify.file',
  red_packet: 'notify.redPacket',
}

const MAX_BODY = 200

/** The notification for a pushed message, in language l. */
export function notificationFor(p: PushMessage, l: Locale): NotificationText {
  let text = p.preview.trim()
  if (!text || p.kind !== 'text') text = KIND_KEYS[p.kind] ? translate(l, KIND_KEYS[p.kind]) : text || translate(l, 'push.message')
  if (text.length > MAX_BODY) text = text.slice(0, MAX_BODY - 1) + '…'
  const group = p.conversation_name !== ''
  const name = (group ? p.conversation_name : p.sender_name) || translate(l, 'push.message')
  const body = group && p.sender_name ? translate(l, 'push.groupLine', { sender: p.sender_name, text }) : text
  const title = p.unread > 1 ? translate(l, 'push.title', { name, n: p.unread }) : name
  return { title, body, tag: `conversation-${p.conversation_id}`, url: consolePath(p) }
}

const CONSOLE = '/console/'

/**
 * The console page for a click, under /console/: the server's url names a
 * route ("/#/chats/N"); anything else (another origin, an odd path) falls
 * back to the chat itself.
 */
export function consolePath(p: PushMessage): string {
  const m = /^\/(?:console\/)?#(\/(?:chats|inbox)\/\d+)$/.exec(p.url)
  if (m) return CONSOLE + '#' + m[1]
  return `${CONSOLE}#/chats/${p.conversation_id}`
}

/** Whether a console window at clientUrl shows this message's conversation. */
export function isShowing(clientUrl: string, p: PushMessage): boolean {
  let u: URL
  try {
    u = new URL(clientUrl)
  } catch {
    return false
  }
  if (!u.pathname.startsWith(CONSOLE)) return false
  const m = /^#\/(?:chats|inbox)\/(\d+)(?:[/?]|$)/.exec(u.hash)
  return !!m && Number(m[1]) === p.conversation_id
}
