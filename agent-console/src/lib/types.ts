// Shapes of the Parley REST and WebSocket contract (REST: the OpenAPI document; frames: the AsyncAPI document).

export type Role = 'user' | 'agent' | 'admin'

export interface User {
  id: number
  username: string
  email: string
  nickname: string
  avatar_url: string
  role: Role
  email_verified: boolean
  created_at: string
}

export interface Peer {
  id: number
  username: string
  nickname: string
  avatar_url: string
}

/** Another user as the social endpoints show them. */
export type PublicUser = Peer

export type PresenceStatus = 'online' | 'away' | 'offline'

export interface Presence {
  status: PresenceStatus
  last_seen_at: string | null
}

export type RequestStatus = 'pending' | 'accepted' | 'rejected' | 'canceled'

export interface FriendRequest {
  id: number
  from: PublicUser
  to: PublicUser
  message: string
  status: RequestStatus
  created_at: string
}

export interface Friend {
  user: PublicUser
  remark: string
  category_id: number | null
  presence?: Presence | null
  since: string
}

export interface FriendCategory {
  id: number
  name: string
  position: number
}

export interface AddLink {
  code: string
  url: string
}

export type GroupRole = 'owner' | 'admin' | 'member'
export type JoinPolicy = 'open' | 'approval' | 'invite'

export interface Group {
  id: number
  number: number
  name: string
  avatar_url: string
  announcement: string
  join_policy: JoinPolicy
  mute_all: boolean
  member_count: number
  member_cap: number
  owner_id: number
  conversation_id: number
  my_role?: GroupRole
  created_at: string
}

export interface GroupMember {
  user: PublicUser
  role: GroupRole
  muted_until: string | null
  joined_at: string
  presence?: Presence | null
}

export interface JoinRequest {
  id: number
  user: PublicUser
  message?: string
  created_at: string
}

export interface Invite {
  token: string
  url: string
  expires_at: string | null
  max_uses: number
  uses: number
}

export interface InvitePreview {
  group: { id?: number; name: string; number: number; avatar_url: string; member_count: number }
  expires_at: string | null
  uses: number
  max_uses: number
}

export type JoinResult = { status: 'joined'; group: Group } | { status: 'pending'; request_id: number }

export interface Sender {
  kind: 'user' | 'visitor' | 'system'
  id: number | string
  name: string
}

export interface Message {
  id: number
  conversation_id: number
  seq: number
  client_msg_id: string
  sender: Sender
  kind: string
  body: string
  attachment?: Attachment | null
  reply_to_seq?: number | null
  created_at: string
  recalled_at?: string | null
  /** Messages of kind red_packet carry the packet, read live. */
  red_packet?: import('./redPackets').RedPacket | null
}

export type MediaKind = 'image' | 'voice' | 'video' | 'file'

/** An upload as POST /api/v1/uploads answers it and as messages carry it. */
export interface Attachment {
  id: number
  kind: MediaKind
  mime: string
  size: number
  name: string
  /** Signed and expiring (see url_expires_at). */
  url: string
  thumb_url?: string
  width?: number
  height?: number
  duration_ms?: number
  url_expires_at?: string
}

export type ConversationKind = 'direct' | 'group' | 'support'

export type SupportStatus = 'queued' | 'assigned' | 'resolved'

export interface VisitorInfo {
  id: number
  name: string
  email: string
  external_id?: string
  page_url: string
  referrer: string
  locale: string
  user_agent: string
  identified: boolean
}

/** A support conversation as the agent inbox lists it. */
export interface SupportConversation {
  id: number
  kind: 'support'
  title: string
  status: SupportStatus
  site_id: number
  queue_id: number
  queue_name: string
  queue_position?: number
  assignee: { id: number; name: string } | null
  visitor?: VisitorInfo
  prechat?: Record<string, string>
  last_seq: number
  last_message: Message | null
  rating: number | null
  rating_comment?: string
  created_at: string
  assigned_at: string | null
  resolved_at: string | null
}

export interface CannedResponse {
  id: number
  shortcut: string
  body: string
}

export interface QueueInfo {
  id: number
  site_id: number
  name: string
  is_default: boolean
  agents?: Array<{ user_id: number; capacity: number }>
}

export interface SiteInfo {
  id: number
  name: string
  queues: QueueInfo[]
}

export type AgentStatus = 'online' | 'away' | 'offline'

export interface Conversation {
  id: number
  kind: ConversationKind
  title: string
  last_seq: number
  read_seq: number
  unread: number
  last_message: Message | null
  peer?: Peer
}

export interface Page<T> {
  items: T[]
  next_cursor: string | number | null
}

export interface TokenPair {
  access_token: string
  refresh_token: string
  expires_in: number
}

export interface AuthResponse extends TokenPair {
  user: User
}

// Frames over /ws, generated from the AsyncAPI document (/api/asyncapi.json)
// by scripts/gen-frames.mjs before every build and test run.
export type { ClientFrame, ServerFrame } from './generated/frames'

/** Minimal Storage surface, so tests can pass an in-memory map. */
export interface KeyValueStore {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

export function memoryStore(): KeyValueStore {
  const m = new Map<string, string>()
  return {
    getItem: (k) => (m.has(k) ? (m.get(k) as string) : null),
    setItem: (k, v) => void m.set(k, String(v)),
    removeItem: (k) => void m.delete(k),
  }
}
