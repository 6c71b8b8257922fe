// Shapes of the Parley REST and WebSocket contract. REST shapes are the
// OpenAPI document's schemas, generated into src/generated/api.ts by
// scripts/gen-api-types.mjs; frames are the AsyncAPI document's messages,
// generated into src/generated/frames.ts by scripts/gen-frames.mjs.
//
// Where the document is still looser than what the server sends, the alias
// below narrows it and says so in a comment.

import type { operations } from '../generated/api'
import type { Answer, Override, Schemas } from './schemas'

export type User = Schemas['User']

export type Role = User['role']

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

export type Group = Schemas['Group']

export type JoinPolicy = Group['join_policy']

export type GroupMember = Schemas['GroupMember']

export type JoinRequest = Schemas['JoinRequest']

export type Invite = Schemas['Invite']

export type InvitePreview = Schemas['InvitePreview']

/** Joined (with the group) or pending (with the request's id). */
export type JoinResult = Schemas['JoinResult']

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
 * prechat as an object with any keys; its values are the visitor's answers.
 */
export type SupportConversation = Override<Schemas['SupportConversation'], { prechat?: Record<string, string> }>

export type CannedResponse = Schemas['CannedResponse']

/** A queue's agent. */
export type QueueAgent = Schemas['QueueAgent']

/** A queue as a site lists it. */
export type QueueInfo = Schemas['Queue']

/** A site as agents read it (GET /api/v1/sites/{id}). */
export type SiteInfo = Pick<Schemas['Site'], 'id' | 'name' | 'queues'>

export type AgentStatus = QueueAgent['status']

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
