import type { User } from './types'

/** Where a signed-in person lands: agents and admins in the Inbox, everyone else in Chats. */
export function homeFor(user: Pick<User, 'role'> | null | undefined): 'inbox' | 'chats' {
  return user && (user.role === 'agent' || user.role === 'admin') ? 'inbox' : 'chats'
}
