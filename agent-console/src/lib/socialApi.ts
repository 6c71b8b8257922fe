// REST calls for friends, blocks, add-me links and groups (the OpenAPI document at /api/openapi.json).
import type { ApiClient } from './api'
import type {
  AddLink,
  Conversation,
  Friend,
  FriendCategory,
  FriendRequest,
  Group,
  GroupMember,
  Invite,
  InvitePreview,
  JoinRequest,
  PageOf,
  PublicUser,
} from './types'

/** The part of ApiClient these calls use (a fake in tests). */
export type Api = Pick<ApiClient, 'get' | 'post' | 'patch' | 'put' | 'delete' | 'requestWithStatus' | 'blob'>

const enc = encodeURIComponent

function items<T>(page: { items?: T[] | null } | null | undefined): T[] {
  return page?.items ?? []
}

// Friends

export async function searchPeople(api: Api, q: string): Promise<PublicUser[]> {
  return items(await api.get<{ items: PublicUser[] }>(`/api/v1/users/search?q=${enc(q)}`))
}

/** Sends a friend request; the status tells a new request (201) from an auto-accept (200). */
export function sendFriendRequest(api: Api, userId: number, message: string) {
  const body: { user_id: number; message?: string } = { user_id: userId }
  if (message.trim()) body.message = message.trim()
  return api.requestWithStatus<FriendRequest>('POST', '/api/v1/friend-requests', body)
}

export async function listRequests(api: Api, box: 'incoming' | 'outgoing'): Promise<FriendRequest[]> {
  return items(await api.get<{ items: FriendRequest[] }>(`/api/v1/friend-requests?box=${box}`))
}

export function answerRequest(api: Api, id: number, answer: 'accept' | 'reject') {
  return api.post<FriendRequest | undefined>(`/api/v1/friend-requests/${id}/${answer}`)
}

export function cancelRequest(api: Api, id: number) {
  return api.delete<void>(`/api/v1/friend-requests/${id}`)
}

export async function listFriends(api: Api): Promise<Friend[]> {
  return items(await api.get<{ items: Friend[] }>('/api/v1/friends'))
}

export function updateFriend(api: Api, userId: number, patch: { remark?: string; category_id?: number | null }) {
  return api.patch<Friend | undefined>(`/api/v1/friends/${userId}`, patch)
}

export function deleteFriend(api: Api, userId: number) {
  return api.delete<void>(`/api/v1/friends/${userId}`)
}

export async function listCategories(api: Api): Promise<FriendCategory[]> {
  return items(await api.get<{ items: FriendCategory[] }>('/api/v1/friend-categories'))
}

export function createCategory(api: Api, name: string) {
  return api.post<FriendCategory>('/api/v1/friend-categories', { name })
}

export function updateCategory(api: Api, id: number, patch: { name?: string; position?: number }) {
  return api.patch<FriendCategory | undefined>(`/api/v1/friend-categories/${id}`, patch)
}

export function deleteCategory(api: Api, id: number) {
  return api.delete<void>(`/api/v1/friend-categories/${id}`)
}

export async function listBlocks(api: Api): Promise<PublicUser[]> {
  return items(await api.get<{ items: PublicUser[] }>('/api/v1/blocks'))
}

export function block(api: Api, userId: number) {
  return api.put<void>(`/api/v1/blocks/${userId}`)
}

export function unblock(api: Api, userId: number) {
  return api.delete<void>(`/api/v1/blocks/${userId}`)
}

export function myQr(api: Api): Promise<Blob> {
  return api.blob('/api/v1/me/qr')
}

export function myAddLink(api: Api) {
  return api.get<AddLink>('/api/v1/me/add-link')
}

export function resetAddLink(api: Api) {
  return api.post<AddLink>('/api/v1/me/add-link/revoke')
}

export function resolveAddCode(api: Api, code: string) {
  return api.get<PublicUser>(`/api/v1/add/${enc(code)}`)
}

export function openDirect(api: Api, userId: number) {
  return api.post<Conversation>('/api/v1/conversations/direct', { user_id: userId })
}

// Groups

/** All my groups, following next_cursor (bounded, in case a server loops). */
export async function listGroups(api: Api, maxPages = 20): Promise<Group[]> {
  const out: Group[] = []
  let cursor: string | number | null = null
  for (let i = 0; i < maxPages; i++) {
    const path: string = cursor === null ? '/api/v1/groups?limit=200' : `/api/v1/groups?limit=200&cursor=${enc(String(cursor))}`
    const page: PageOf<'listGroups', Group> = await api.get<PageOf<'listGroups', Group>>(path)
    out.push(...items(page))
    if (page.next_cursor === null || page.next_cursor === undefined || page.next_cursor === '' || page.next_cursor === cursor) break
    cursor = page.next_cursor
  }
  return out
}

export function createGroup(api: Api, input: { name: string; avatar_url?: string; join_policy: string; member_ids?: number[] }) {
  const body: Record<string, string | number[]> = { name: input.name.trim(), join_policy: input.join_policy }
  if (input.avatar_url?.trim()) body.avatar_url = input.avatar_url.trim()
  if (input.member_ids?.length) body.member_ids = input.member_ids
  return api.post<Group>('/api/v1/groups', body)
}

export function joinByNumber(api: Api, number: number) {
  return api.requestWithStatus<unknown>('POST', '/api/v1/groups/join', { number })
}

export function updateGroup(
  api: Api,
  id: number,
  patch: Partial<Pick<Group, 'name' | 'avatar_url' | 'announcement' | 'join_policy' | 'mute_all'>> & { avatar_media_id?: number },
) {
  return api.patch<Group>(`/api/v1/groups/${id}`, patch)
}

export async function listMembers(api: Api, id: number, maxPages = 50): Promise<GroupMember[]> {
  const out: GroupMember[] = []
  let cursor: string | number | null = null
  for (let i = 0; i < maxPages; i++) {
    const q: string = cursor === null ? 'limit=200' : `limit=200&cursor=${enc(String(cursor))}`
    const page: PageOf<'listGroupMembers', GroupMember> = await api.get<PageOf<'listGroupMembers', GroupMember>>(`/api/v1/groups/${id}/members?${q}`)
    out.push(...items(page))
    if (page.next_cursor === null || page.next_cursor === undefined || page.next_cursor === '' || page.next_cursor === cursor) break
    cursor = page.next_cursor
  }
  return out
}

export function updateMember(api: Api, id: number, userId: number, patch: { role?: 'admin' | 'member'; muted_until?: string | null }) {
  return api.patch<GroupMember | undefined>(`/api/v1/groups/${id}/members/${userId}`, patch)
}

export function kickMember(api: Api, id: number, userId: number) {
  return api.delete<void>(`/api/v1/groups/${id}/members/${userId}`)
}

export function transferGroup(api: Api, id: number, userId: number) {
  return api.post<Group | undefined>(`/api/v1/groups/${id}/transfer`, { user_id: userId })
}

export async function listJoinRequests(api: Api, id: number): Promise<JoinRequest[]> {
  return items(await api.get<{ items: JoinRequest[] }>(`/api/v1/groups/${id}/join-requests`))
}

export function answerJoinRequest(api: Api, id: number, requestId: number, answer: 'accept' | 'reject') {
  return api.post<unknown>(`/api/v1/groups/${id}/join-requests/${requestId}/${answer}`)
}

export function createInvite(api: Api, id: number, input: { expires_in: number; max_uses: number }) {
  return api.post<Invite>(`/api/v1/groups/${id}/invites`, input)
}

export async function listInvites(api: Api, id: number): Promise<Invite[]> {
  return items(await api.get<{ items: Invite[] }>(`/api/v1/groups/${id}/invites`))
}

export function revokeInvite(api: Api, id: number, token: string) {
  return api.delete<void>(`/api/v1/groups/${id}/invites/${enc(token)}`)
}

export function previewInvite(api: Api, token: string) {
  return api.get<InvitePreview>(`/api/v1/invites/${enc(token)}`)
}

export function acceptInvite(api: Api, token: string) {
  return api.requestWithStatus<unknown>('POST', `/api/v1/invites/${enc(token)}/accept`)
}

export function leaveGroup(api: Api, id: number) {
  return api.post<void>(`/api/v1/groups/${id}/leave`)
}

export function dissolveGroup(api: Api, id: number) {
  return api.delete<void>(`/api/v1/groups/${id}`)
}

/** The token of an invite link, whether given whole or as just the token. */
export function inviteTokenFrom(text: string): string | null {
  const t = text.trim()
  if (!t) return null
  const m = t.match(/#\/invite\/([A-Za-z0-9_-]+)/)
  if (m) return m[1]
  return /^[A-Za-z0-9_-]+$/.test(t) ? t : null
}
