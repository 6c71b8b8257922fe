// Shapes of the Parley REST and WebSocket contract. REST shapes are the
// OpenAPI document's schemas, generated into src/generated/api.ts by
// scripts/gen-api-types.mjs; frames are the AsyncAPI document's messages,
// generated into src/generated/frames.ts by scripts/gen-frames.mjs.
//
// Where the document is looser than what the server sends (fields it leaves
// out of `required`, nullable fields it does not mark, plain strings where
// the server sends one of a few values, inline objects instead of a shared
// schema), the alias below narrows it and says so in a comment.

import type { Override, Schemas, Sent } from './schemas'

/** The document types role as a plain string. */
export type Role = 'user' | 'agent' | 'admin'

export type User = Override<Sent<Schemas['User'], 'disabled'>, { role: Role }>

export type Peer = Sent<Schemas['PublicUser']>

/** Another user as the social endpoints show them. */
export type PublicUser = Peer

export type Presence = Schemas['Presence']

export type PresenceStatus = Presence['status']

export type RequestStatus = Schemas['FriendRequest']['status']

export type FriendRequest = Override<Schemas['FriendRequest'], { from: PublicUser; to: PublicUser }>

/** The document marks presence required; lists built before presence arrives leave it out. */
export type Friend = Override<Schemas['Friend'], { user: PublicUser; presence?: Presence | null }>

export type FriendCategory = Schemas['FriendCategory']

export type AddLink = Schemas['AddLink']

export type GroupRole = NonNullable<Schemas['Group']['my_role']>

/** The document types join_policy as a plain string. */
export type JoinPolicy = 'open' | 'approval' | 'invite'

export type Group = Override<Sent<Schemas['Group'], 'my_role'>, { join_policy: JoinPolicy }>

/** The document describes user and presence inline and role as a plain string. */
export type GroupMember = Override<
  Sent<Schemas['GroupMember'], 'presence'>,
  { user: PublicUser; role: GroupRole; presence?: Presence | null }
>

export type JoinRequest = Override<Sent<Schemas['JoinRequest'], 'message' | 'status'>, { user: PublicUser }>

export type Invite = Sent<Schemas['Invite'], 'created_at'>

export type InvitePreview = Override<
  Sent<Schemas['InvitePreview']>,
  { group: Sent<NonNullable<Schemas['InvitePreview']['group']>, 'id'> }
>

/** The document describes one object with every field optional; the server sends one of two shapes. */
export type JoinResult = { status: 'joined'; group: Group } | { status: 'pending'; request_id: number }

/** Visitors and the system are named by id too; the document types id as an integer only. */
export type Sender = Override<Sent<Schemas['Sender']>, { id: number | string }>

/**
 * The document does not list red_packet, types attachment as an empty
 * object and does not mark reply_to_seq and recalled_at nullable.
 */
export type Message = Override<
  Sent<Schemas['Message'], 'attachment' | 'reply_to_seq' | 'recalled_at'>,
  {
    sender: Sender
    attachment?: Attachment | null
    reply_to_seq?: number | null
    recalled_at?: string | null
    /** Messages of kind red_packet carry the packet, read live. */
    red_packet?: import('./redPackets').RedPacket | null
  }
>

/** An upload as POST /api/v1/uploads answers it and as messages carry it. */
export type Attachment = Schemas['Attachment']

export type MediaKind = Attachment['kind']

export type ConversationKind = NonNullable<Schemas['Conversation']['kind']>

export type SupportStatus = NonNullable<Schemas['SupportConversation']['status']>

/** The document describes the visitor inline. */
export type VisitorInfo = Sent<NonNullable<Schemas['SupportConversation']['visitor']>, 'external_id'>

/**
 * A support conversation as the agent inbox lists it. The document types
 * kind as a plain string, prechat as an empty object, and does not mark
 * assignee, last_message, rating, assigned_at and resolved_at nullable.
 */
export type SupportConversation = Override<
  Sent<Schemas['SupportConversation'], 'queue_position' | 'visitor' | 'prechat' | 'rating_comment'>,
  {
    kind: 'support'
    assignee: { id: number; name: string } | null
    visitor?: VisitorInfo
    prechat?: Record<string, string>
    last_message: Message | null
    rating: number | null
    assigned_at: string | null
    resolved_at: string | null
  }
>

export type CannedResponse = Sent<Schemas['CannedResponse']>

type SiteQueue = NonNullable<Schemas['Site']['queues']>[number]

/** A queue as a site lists it; the document describes it inline. */
export type QueueInfo = Override<
  Sent<SiteQueue, 'agents' | 'assign_timeout_s'>,
  { agents?: Array<Sent<NonNullable<SiteQueue['agents']>[number]>> }
>

/** A site as agents read it (GET /api/v1/sites/{id}). */
export type SiteInfo = Override<Pick<Sent<Schemas['Site']>, 'id' | 'name'>, { queues: QueueInfo[] }>

export type AgentStatus = 'online' | 'away' | 'offline'

/** The document names peer as a plain PublicUser with optional fields. */
export type Conversation = Override<
  Sent<Schemas['Conversation'], 'peer' | 'created_at'>,
  { last_message: Message | null; peer?: Peer }
>

/** A page of a list; the document has MessagePage (next_cursor a number) and inline pages elsewhere. */
export interface Page<T> {
  items: T[]
  next_cursor: string | number | null
}

export type TokenPair = Sent<Omit<Schemas['Session'], 'user'>>

export type AuthResponse = TokenPair & { user: User }

// Frames over /ws, generated from the AsyncAPI document (/api/asyncapi.json)
// by scripts/gen-frames.mjs before every build and test run.
export type { ClientFrame, ServerFrame } from '../generated/frames'

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
