import { t } from './i18n'
import type { KeyValueStore, Message } from './types'

/** "(3) Parley console" — the unread count in the tab title. */
export function titleWithUnread(base: string, unread: number): string {
  if (!unread || unread <= 0) return base
  return `(${unread > 99 ? '99+' : unread}) ${base}`
}

export interface AlertContext {
  myUserId: number | null
  /** The conversation on screen, if the page is visible. */
  viewing: number | null
  pageVisible: boolean
  /** Whether a conversation must stay silent now (muted, or inside the quiet hours). */
  quiet?: (conversationId: number) => boolean
}

/**
 * Whether a message deserves a desktop notification and a sound: a
 * visitor's message in a support conversation, unless the agent is
 * looking at that very conversation.
 */
export function alertForMessage(m: Message, supportIds: ReadonlySet<number>, ctx: AlertContext): boolean {
  if (m.sender?.kind !== 'visitor') return false
  if (!supportIds.has(m.conversation_id)) return false
  if (ctx.quiet?.(m.conversation_id)) return false
  return !(ctx.pageVisible && ctx.viewing === m.conversation_id)
}

const MUTE_KEY = 'parley.sound.muted'

export function loadMuted(storage: KeyValueStore): boolean {
  return storage.getItem(MUTE_KEY) === '1'
}

export function saveMuted(storage: KeyValueStore, muted: boolean): void {
  if (muted) storage.setItem(MUTE_KEY, '1')
  else storage.removeItem(MUTE_KEY)
}

/** A notification's text for a message (never more than a line). */
export function notificationBody(m: Message): string {
  if (m.kind === 'red_packet') return m.body ? t('notify.redPacketWith', { text: m.body }) : t('notify.redPacket')
  if (m.attachment) {
    const kind = m.kind === 'image' ? 'image' : m.kind === 'voice' ? 'voice' : m.kind === 'video' ? 'video' : 'file'
    return m.body ? t(`notify.${kind}With`, { text: m.body }) : t(`notify.${kind}`)
  }
  const text = (m.body || '').replace(/\s+/g, ' ').trim()
  return text.length > 140 ? `${text.slice(0, 139)}…` : text
}
