import { describe, expect, it } from 'vitest'
import { changePassword, needsVerification, passwordProblem, profilePatch, requestReset, resendVerification, tokenFromQuery } from './account'
import { ApiError, TokenStore } from './api'
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
  it('asks unverified non-admins to verify', () => {
    expect(needsVerification(null)).toBe(false)
    expect(needsVerification({ email_verified: false, role: 'user' })).toBe(true)
    expect(needsVerification({ email_verified: false, role: 'agent' })).toBe(true)
    expect(needsVerification({ email_verified: false, role: 'admin' })).toBe(false)
    expect(needsVerification({ email_verified: true, role: 'user' })).toBe(false)
  })
  it('says where the new verification mail went', async () => {
    const { api, calls } = fake({ email: 'ana@example.com' })
    const r = await resendVerification(api)
    expect(calls[0].path).toBe('/api/v1/me/verification')
    expect(r).toEqual({ ok: true, text: expect.stringContaining('ana@example.com') })
  })
  it('says how long to wait past the limit, and when already verified', async () => {
    const failing = (err: Error) => ({ tokens: new TokenStore(memoryStore()), post: async () => Promise.reject(err), patch: async () => undefined }) as never
    const limited = await resendVerification(failing(new ApiError(429, 'rate_limited', 'slow down', undefined, 600)))
    expect(limited.ok).toBe(false)
    expect(limited.text).toMatch(/10/)
    const done = await resendVerification(failing(new ApiError(409, 'already_verified', 'verified')))
    expect(done).toMatchObject({ ok: true, verified: true })
    expect((await resendVerification(failing(new Error('offline')))).ok).toBe(false)
  })
})
