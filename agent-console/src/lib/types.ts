// Shapes of the Parley REST and WebSocket contract. REST shapes are the
// OpenAPI document's schemas, generated into src/generated/api.ts by
// scripts/gen-api-types.mjs; frames are the AsyncAPI document's messages,
// generated into src/generated/frames.ts by scripts/gen-frames.mjs.
//
// Where the document is still looser than what the server sends (plain
// strings where the server sends one of a few values, inline objects with
// optional fields instead of a shared schema), the alias below narrows it
// and says so in a comment.

import type { operations } from '../generated/api'
import type { Answer, Override, Schemas } from './schemas'

/** The document types role as a plain string. */
export type Role = 'user' | 'agent' | 'admin'

/** The document types role as a plain string. */
export type User = Override<Schemas['User'], { role: Role }>

export type Peer = Schemas['PublicUser']

/** Another user as the social endpoints show them. */
export type PublicUser = Peer

export type Presence = Schemas['Presence']

export type PresenceStatus = Presence['status']

export type RequestStatus = Schemas['FriendRequest']['status']

export type FriendRequest = Schemas['FriendRequest']

export type Friend = Schemas['Friend']

export type FriendCategory = Schemas['FriendCategory']

export type AddLink = Schemas['AddLink']

export type GroupRole = NonNullable<Schemas['Group']['my_role']>

/** The document types join_policy as a plain string. */
export type JoinPolicy = 'open' | 'approval' | 'invite'

/** The document types join_policy as a plain string. */
export type Group = Override<Schemas['Group'], { join_policy: JoinPolicy }>

/** The document describes user and presence inline and role as a plain string. */
export type GroupMember = Override<Schemas['GroupMember'], { user: PublicUser; role: GroupRole; presence?: Presence }>

/** The document describes user inline. */
export type JoinRequest = Override<Schemas['JoinRequest'], { user: PublicUser }>

export type Invite = Schemas['Invite']

export type InvitePreview = Schemas['InvitePreview']

/** The document describes one object with optional group and request_id; the server sends one of two shapes. */
export type JoinResult = { status: 'joined'; group: Group } | { status: 'pending'; request_id: number }

export type Sender = Schemas['Sender']

export type Message = Schemas['Message']

/** An upload as POST /api/v1/uploads answers it and as messages carry it. */
export type Attachment = Schemas['Attachment']

export type MediaKind = Attachment['kind']

export type ConversationKind = Schemas['Conversation']['kind']

export type SupportStatus = Schemas['SupportConversation']['status']

export type VisitorInfo = Schemas['Visitor']

/**
 * A support conversation as the agent inbox lists it. The document types
 * kind as a plain string, prechat as an empty object and describes the
 * assignee inline with optional fields.
 */
export type SupportConversation = Override<
  Schemas['SupportConversation'],
  { kind: 'support'; assignee: { id: number; name: string } | null; prechat?: Record<string, string> }
>

export type CannedResponse = Schemas['CannedResponse']

/** A queue's agent; the document describes it inline with optional fields. */
export type QueueAgent = Required<NonNullable<Schemas['Queue']['agents']>[number]>

/** A queue as a site lists it. */
export type QueueInfo = Override<Schemas['Queue'], { agents?: QueueAgent[] }>

/** A site as agents read it (GET /api/v1/sites/{id}). */
export type SiteInfo = Override<Pick<Schemas['Site'], 'id' | 'name'>, { queues: QueueInfo[] }>

export type AgentStatus = 'online' | 'away' | 'offline'

export type Conversation = Schemas['Conversation']

export type MessagePage = Schemas['MessagePage']

/** A page as the operation K (its operationId) answers it, items as the aliases above. */
export type PageOf<K extends keyof operations, T> = Override<Answer<K>, { items: T[] }>

export type TokenPair = Omit<Schemas['Session'], 'user'>

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
