// What runs while someone is signed in: the conversations and their socket,
// friends and presence, alerts, notification settings and the inbox. Loaded
// on the first sign-in, so the sign-in page does not carry it.
import type { ApiClient } from '../lib/api'
import type { KeyValueStore, User } from '../lib/types'
import { audibleUnread } from '../lib/notifications'
import { chat, startChat, stopChat } from './chat'
import { startAlerts } from './alerts'
import { notifications, startNotifications, stopNotifications } from './notifications'
import { startInbox, stopInbox } from './inbox'
import { startSocial, stopSocial } from './social'

export function startLive(api: ApiClient, storage: KeyValueStore, user: User): void {
  startChat(api, storage, user)
  startSocial(api, user)
  startAlerts(storage)
  startNotifications(api)
  startInbox(api, user)
}

/** The session ended by itself (it could not be refreshed). */
export function stopLiveAuthLost(): void {
  stopInbox()
  stopSocial()
  stopChat()
}

/** The user signed out: what waited to be sent goes too. */
export function stopLiveSignOut(): void {
  stopInbox()
  stopNotifications()
  stopSocial()
  stopChat({ clearOutbox: true })
}

// The favicon's badge: only someone signed in has unread messages.
export { faviconBadger } from '../lib/unread'

/** Unread messages worth a badge (muted conversations left out). */
export function audibleUnreadNow(): number {
  return audibleUnread(chat.conversations, notifications.now)
}
