import { describe, expect, it } from 'vitest'
import { changePassword, passwordProblem, profilePatch, requestReset, tokenFromQuery } from './account'
import { TokenStore } from './api'
import { memoryStore } from './types'

function fake(answer: unknown) {
  const calls: Array<{ path: string; body: unknown; opts?: unknown }> = []
  const tokens = new TokenStore(memoryStore())
  const api = {
    tokens,
    post: async (path: string, body: unknown, opts?: unknown) => (calls.push({ path, body, opts }), answer),
    patch: async () => answer,
  } as never
  return { api, calls, tokens }
}

describe('account', () => {
  it('checks new passwords', () => {
    expect(passwordProblem('short')).toMatch(/8/)
    expect(passwordProblem('long enough', 'long enougH')).toMatch(/differ/)
    expect(passwordProblem('long enough', 'long enough')).toBe('')
  })
  it('asks for a reset without a token', async () => {
    const { api, calls } = fake(undefined)
    await requestReset(api, ' ana@example.com ')
    expect(calls).toEqual([{ path: '/api/v1/auth/password-reset', body: { email: 'ana@example.com' }, opts: { auth: false } }])
  })
  it('keeps the new session after a password change', async () => {
    const { api, calls, tokens } = fake({ access_token: 'a2', refresh_token: 'r2', expires_in: 900, user: { id: 1 } })
    await changePassword(api, 'old password', 'new password')
    expect(calls[0].body).toEqual({ current_password: 'old password', new_password: 'new password' })
    expect(tokens.get()?.access_token).toBe('a2')
    expect(tokens.get()?.refresh_token).toBe('r2')
  })
  it('sends only what changed', () => {
    const u = { nickname: 'Ana', avatar_url: '' }
    expect(profilePatch(u, 'Ana ', '')).toBeNull()
    expect(profilePatch(u, 'Ana B', '')).toEqual({ nickname: 'Ana B' })
    expect(profilePatch(u, 'Ana', 'https://x/a.png')).toEqual({ avatar_url: 'https://x/a.png' })
  })
  it('reads the token from the query', () => {
    expect(tokenFromQuery('abc ')).toBe('abc')
    expect(tokenFromQuery(['x', 'y'])).toBe('x')
    expect(tokenFromQuery(undefined)).toBe('')
  })
})
