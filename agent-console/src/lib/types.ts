// Shapes of the Parley REST and WebSocket contract (see API.md).

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
  attachment?: unknown
  reply_to_seq?: number | null
  created_at: string
  recalled_at?: string | null
}

export type ConversationKind = 'direct' | 'group' | 'support'

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

// Frames sent by the server over /ws.
export type ServerFrame =
  | { type: 'hello'; session_id: string; identity: unknown; heartbeat_s: number }
  | { type: 'pong' }
  | { type: 'ack'; client_msg_id: string; message: Message }
  | { type: 'error'; client_msg_id?: string; code: string; message: string }
  | { type: 'message'; message: Message }
  | { type: 'read'; conversation_id: number; user_id: number; seq: number }
  | { type: 'typing'; conversation_id: number; from: unknown; state: 'start' | 'stop' }
  | { type: 'recall'; conversation_id: number; seq: number }
  | { type: 'conversation'; conversation: Conversation }
  | { type: string; [key: string]: unknown }

// Frames the console sends.
export type ClientFrame =
  | { type: 'send'; client_msg_id: string; conversation_id: number; kind: 'text'; body: string }
  | { type: 'read'; conversation_id: number; seq: number }
  | { type: 'typing'; conversation_id: number; state: 'start' | 'stop' }
  | { type: 'ping' }

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
