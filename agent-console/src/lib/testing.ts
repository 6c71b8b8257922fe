// Builders shared by the unit tests.
import type { Conversation, Message } from './types'

export function msg(seq: number, over: Partial<Message> = {}): Message {
  return {
    id: 1000 + seq,
    conversation_id: 7,
    seq,
    client_msg_id: `c-${seq}`,
    sender: { kind: 'user', id: 2, name: 'Bob' },
    kind: 'text',
    body: `message ${seq}`,
    created_at: new Date(Date.UTC(2025, 0, 1, 12, 0, seq)).toISOString(),
    ...over,
  }
}

export function conv(id: number, over: Partial<Conversation> = {}): Conversation {
  return {
    id,
    kind: 'direct',
    title: `Chat ${id}`,
    last_seq: 0,
    read_seq: 0,
    unread: 0,
    last_message: null,
    created_at: '2025-01-01T12:00:00.000Z',
    muted: false,
    muted_until: null,
    ...over,
  }
}
