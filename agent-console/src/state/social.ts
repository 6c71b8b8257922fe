import { reactive, watch } from 'vue'
import type { ApiClient } from '../lib/api'
import {
  applyRequestFrame,
  applySendResult,
  incomingBadge,
  isNewIncoming,
  nameOf,
  removeRequest,
  type RequestBoxes,
  type SendOutcome,
} from '../lib/friends'
import { upsertGroup } from '../lib/groups'
import { t } from '../lib/i18n'
import { isSystemMessage } from '../lib/messages'
import { applyPresenceFrame, seedPresence, type PresenceMap } from '../lib/presence'
import * as sa from '../lib/socialApi'
import type { Friend, FriendCategory, FriendRequest, Group, GroupMember, PublicUser, ServerFrame, User } from '../lib/types'
import { chat, clearRestriction, loadConversations, onResync, onServerFrame } from './chat'

export const social = reactive({
  friends: [] as Friend[],
  friendsLoaded: false,
  categories: [] as FriendCategory[],
  requests: { incoming: [], outgoing: [] } as RequestBoxes,
  blocks: [] as PublicUser[],
  presence: {} as PresenceMap,
  groups: [] as Group[],
  groupsLoaded: false,
  /** Members per group id, once a group's panel asked for them. */
  members: {} as Record<number, GroupMember[]>,
  /** Bumped on every frame about a group, so its open panel can re-read what it shows. */
  groupTick: {} as Record<number, number>,
  error: '' as string,
})

let api: ApiClient | null = null
let me: User | null = null
const unsubscribe: Array<() => void> = []

function client(): ApiClient {
  if (!api) throw new Error('not signed in')
  return api
}

export function startSocial(c: ApiClient, user: User): void {
  if (api && me?.id === user.id) return
  stopSocial()
  api = c
  me = user
  unsubscribe.push(
    onServerFrame(onFrame),
    onResync(refreshAll),
    // The server tells others about me, not me: my own dot follows my connection.
    watch(
      () => chat.status,
      (st) => {
        const id = user.id
        const status = st === 'connected' ? 'online' : 'offline'
        const seen = status === 'offline' ? new Date().toISOString() : null
        social.presence = { ...social.presence, [id]: { status, last_seen_at: seen, at: Number.MAX_SAFE_INTEGER } }
      },
      { immediate: true },
    ),
  )
  void refreshAll()
}

export function stopSocial(): void {
  while (unsubscribe.length) unsubscribe.pop()?.()
  api = null
  me = null
  social.friends = []
  social.friendsLoaded = false
  social.categories = []
  social.requests = { incoming: [], outgoing: [] }
  social.blocks = []
  social.presence = {}
  social.groups = []
  social.groupsLoaded = false
  social.members = {}
  social.groupTick = {}
  social.error = ''
}

/** Everything the rail and lists show; also after every reconnect. */
async function refreshAll(): Promise<void> {
  await Promise.all([loadFriends(), loadCategories(), loadRequests(), loadGroups()])
}

function report(err: unknown): void {
  social.error = (err as Error)?.message || t('error.generic')
}

export function requestBadge(): number {
  return incomingBadge(social.requests)
}

export async function loadFriends(): Promise<void> {
  const at = Date.now()
  try {
    const list = await sa.listFriends(client())
    social.friends = list
    social.presence = seedPresence(social.presence, list.map((f) => ({ id: f.user.id, presence: f.presence })), at)
  } catch (err) {
    report(err)
  } finally {
    social.friendsLoaded = true
  }
}

export async function loadCategories(): Promise<void> {
  try {
    social.categories = await sa.listCategories(client())
  } catch (err) {
    report(err)
  }
}

export async function loadRequests(): Promise<void> {
  try {
    const [incoming, outgoing] = await Promise.all([sa.listRequests(client(), 'incoming'), sa.listRequests(client(), 'outgoing')])
    social.requests = { incoming, outgoing }
  } catch (err) {
    report(err)
  }
}

export async function loadBlocks(): Promise<void> {
  try {
    social.blocks = await sa.listBlocks(client())
  } catch (err) {
    report(err)
  }
}

export async function loadGroups(): Promise<void> {
  try {
    social.groups = await sa.listGroups(client())
  } catch (err) {
    report(err)
  } finally {
    social.groupsLoaded = true
  }
}

export async function loadMembers(groupId: number): Promise<void> {
  const at = Date.now()
  const list = await sa.listMembers(client(), groupId)
  social.members[groupId] = list
  social.presence = seedPresence(social.presence, list.map((m) => ({ id: m.user.id, presence: m.presence })), at)
}

export function groupByConversation(conversationId: number | null | undefined): Group | null {
  if (conversationId === null || conversationId === undefined) return null
  return social.groups.find((g) => g.conversation_id === conversationId) ?? null
}

export function rememberGroup(g: Group): void {
  social.groups = upsertGroup(social.groups, g)
}

/** Drops a group I left, was removed from, or that was dissolved. */
export function forgetGroup(groupId: number): void {
  const g = social.groups.find((x) => x.id === groupId)
  social.groups = social.groups.filter((x) => x.id !== groupId)
  delete social.members[groupId]
  if (g) chat.conversations = chat.conversations.filter((c) => c.id !== g.conversation_id)
}

/** Sends a friend request; says whether it is pending or we are friends already. */
export async function addFriend(userId: number, message: string): Promise<SendOutcome> {
  const { status, data } = await sa.sendFriendRequest(client(), userId, message)
  const r = applySendResult(social.requests, data, status)
  social.requests = r.boxes
  if (r.outcome === 'friends') await loadFriends()
  return r.outcome
}

export async function answerRequest(r: FriendRequest, answer: 'accept' | 'reject'): Promise<void> {
  await sa.answerRequest(client(), r.id, answer)
  social.requests = removeRequest(social.requests, r.id)
  if (answer === 'accept') await loadFriends()
}

export async function cancelRequest(r: FriendRequest): Promise<void> {
  await sa.cancelRequest(client(), r.id)
  social.requests = removeRequest(social.requests, r.id)
}

/** Opens (or creates) the direct chat with someone; returns its id. */
export async function messageUser(userId: number): Promise<number> {
  const c = await sa.openDirect(client(), userId)
  chat.conversations = [c, ...chat.conversations.filter((x) => x.id !== c.id)]
  clearRestriction(c.id)
  return c.id
}

function notify(title: string, body: string): void {
  try {
    if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return
    if (document.visibilityState === 'visible' && document.hasFocus()) return
    new Notification(title, { body, tag: 'parley-friend-request' })
  } catch {
    // Notifications are a nicety; never let them break anything.
  }
}

function directChatsWith(userId: number): number[] {
  return chat.conversations.filter((c) => c.kind === 'direct' && c.peer?.id === userId).map((c) => c.id)
}

function onFrame(f: ServerFrame): void {
  switch (f.type) {
    case 'message': {
      // Mutes, role changes, joins and kicks come only as system messages:
      // re-read the members of that group if they are on screen.
      const m = (f as Extract<ServerFrame, { type: 'message' }>).message
      if (!isSystemMessage(m)) break
      const g = groupByConversation(m.conversation_id)
      if (!g) break
      social.groupTick[g.id] = (social.groupTick[g.id] ?? 0) + 1
      if (social.members[g.id]) void loadMembers(g.id).catch(() => undefined)
      break
    }
    case 'presence': {
      const next = applyPresenceFrame(social.presence, f, Date.now())
      if (next) social.presence = next
      break
    }
    case 'friend_request': {
      const r = (f as { request?: FriendRequest }).request
      if (!r) break
      const myId = me?.id ?? null
      if (isNewIncoming(social.requests, r, myId)) {
        notify(t('notify.friendRequest'), r.message ? t('notify.wantsToAddWith', { name: nameOf(r.from), message: r.message }) : t('notify.wantsToAdd', { name: nameOf(r.from) }))
      }
      social.requests = applyRequestFrame(social.requests, r, myId)
      if (r.status === 'accepted') void loadFriends()
      break
    }
    case 'friend': {
      const ev = f as { event?: string; user?: PublicUser; presence?: unknown }
      if (ev.user && ev.event === 'added') {
        for (const id of directChatsWith(ev.user.id)) clearRestriction(id)
        social.presence = seedPresence(social.presence, [{ id: ev.user.id, presence: ev.presence }], Date.now())
      }
      void loadFriends()
      break
    }
    case 'group': {
      const ev = f as { event?: string; group_id?: number; group?: Group }
      const id = Number(ev.group_id ?? ev.group?.id)
      if (!Number.isInteger(id) || id <= 0) break
      social.groupTick[id] = (social.groupTick[id] ?? 0) + 1
      if (ev.group && typeof ev.group.id === 'number') rememberGroup(ev.group)
      // Frames carry no per-member role (and "removed" or "dissolved" may be
      // about me): re-list to learn where I stand.
      void loadGroups().then(() => {
        if (!social.groups.some((g) => g.id === id)) forgetGroup(id)
        else if (social.members[id]) void loadMembers(id).catch(() => undefined)
      })
      if (ev.event === 'joined') void loadConversations()
      break
    }
  }
}
