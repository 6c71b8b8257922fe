import { describe, expect, it } from 'vitest'
import { homeFor } from './home'

describe('homeFor', () => {
  it('lands agents and admins on the Inbox and users on Chats', () => {
    expect(homeFor({ role: 'agent' })).toBe('inbox')
    expect(homeFor({ role: 'admin' })).toBe('inbox')
    expect(homeFor({ role: 'user' })).toBe('chats')
    expect(homeFor(null)).toBe('chats')
  })
})
