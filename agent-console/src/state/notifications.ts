import { reactive } from 'vue'
import type { ApiClient } from '../lib/api'
import { applyMute, inDnd, isMuted, type Dnd, type MuteBody, type MuteFields, type MuteState, type NotificationSettings } from '../lib/notifications'
import { chat, onServerFrame } from './chat'

export const notifications = reactive({
  dnd: null as Dnd | null,
  /** Mutes of conversations the chat list does not hold (support ones seen from the inbox). */
  others: {} as Record<number, MuteFields>,
  /** The time mutes are judged at, moved on every half minute so that ended mutes show. */
  now: Date.now(),
})

let client: ApiClient | null = null
let stops: Array<() => void> = []

export function startNotifications(api: ApiClient): void {
  stopNotifications()
  client = api
  const timer = setInterval(() => (notifications.now = Date.now()), 30_000)
  stops.push(() => clearInterval(timer))
  stops.push(
    onServerFrame((f) => {
      const frame = f as { type: string } & Partial<MuteState> & Partial<NotificationSettings>
      if (frame.type === 'conversation_mute' && typeof frame.conversation_id === 'number') {
        rememberMute({ conversation_id: frame.conversation_id, muted: !!frame.muted, muted_until: frame.muted_until ?? null })
      } else if (frame.type === 'notification_settings') {
        notifications.dnd = frame.dnd ?? null
      }
    }),
  )
  void loadSettings()
}

export function stopNotifications(): void {
  for (const s of stops) s()
  stops = []
  client = null
  notifications.dnd = null
  notifications.others = {}
}

async function loadSettings(): Promise<void> {
  if (!client) return
  try {
    const s = await client.request<NotificationSettings>('GET', '/api/v1/me/notifications')
    notifications.dnd = s.dnd ?? null
  } catch {
    // Without them, nothing is held back; the profile shows the error.
  }
}

function rememberMute(m: MuteState): void {
  if (chat.conversations.some((c) => c.id === m.conversation_id)) chat.conversations = applyMute(chat.conversations, m)
  else notifications.others = { ...notifications.others, [m.conversation_id]: { muted: m.muted, muted_until: m.muted_until } }
}

/** The mute of a conversation as this user set it. */
export function muteOf(conversationId: number): MuteFields | undefined {
  return chat.conversations.find((c) => c.id === conversationId) ?? notifications.others[conversationId]
}

/** Whether a conversation is muted now (reactive: follows notifications.now). */
export function mutedNow(conversationId: number): boolean {
  return isMuted(muteOf(conversationId), notifications.now)
}

/** Whether a message in this conversation must stay silent now: muted, or inside the quiet hours. */
export function quietNow(conversationId: number): boolean {
  const now = Date.now()
  return isMuted(muteOf(conversationId), now) || inDnd(notifications.dnd, new Date(now))
}

/** Mutes or unmutes a conversation on the server; throws the API's error. */
export async function setMute(conversationId: number, body: MuteBody): Promise<void> {
  if (!client) return
  const m = await client.request<MuteState>('PUT', `/api/v1/conversations/${conversationId}/notifications`, body)
  rememberMute(m)
}

/** Saves (or, with null, clears) the quiet hours; throws the API's error. */
export async function saveDnd(dnd: Dnd | null): Promise<NotificationSettings> {
  if (!client) throw new Error('signed out')
  const s = await client.request<NotificationSettings>('PUT', '/api/v1/me/notifications', { dnd })
  notifications.dnd = s.dnd ?? null
  return s
}
