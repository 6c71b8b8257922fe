// Account calls: forgotten password, password change, sign out everywhere,
// profile edits.
import { ApiError, type ApiClient } from './api'
import { t } from './i18n'
import type { AuthResponse, User } from './types'

type Client = Pick<ApiClient, 'post' | 'patch' | 'tokens'>

/** Why a new password is refused before asking the server, or ''. */
export function passwordProblem(pw: string, again?: string): string {
  const n = [...pw].length
  if (n < 8) return t('account.short')
  if (n > 128) return t('account.long')
  if (again !== undefined && pw !== again) return t('account.differ')
  return ''
}

/** Asks for a reset link; the answer is the same whether or not the address is known. */
export async function requestReset(api: Client, email: string): Promise<void> {
  await api.post('/api/v1/auth/password-reset', { email: email.trim() }, { auth: false })
}

export async function confirmReset(api: Client, token: string, password: string): Promise<void> {
  await api.post('/api/v1/auth/password-reset/confirm', { token, password }, { auth: false })
}

/** Changes the password; the server signs out the other sessions and returns a new one for this tab. */
export async function changePassword(api: Client, current: string, next: string): Promise<AuthResponse> {
  const r = await api.post<AuthResponse>('/api/v1/me/password', { current_password: current, new_password: next })
  if (r?.access_token) api.tokens.set(r)
  return r
}

export async function logoutEverywhere(api: Client): Promise<void> {
  await api.post('/api/v1/auth/logout-all', {})
}

/** Only the changed fields go to PATCH /me; null when nothing changed. */
export function profilePatch(user: Pick<User, 'nickname' | 'avatar_url'>, nickname: string, avatarUrl: string): { nickname?: string; avatar_url?: string } | null {
  const p: { nickname?: string; avatar_url?: string } = {}
  if (nickname.trim() !== (user.nickname ?? '')) p.nickname = nickname.trim()
  if (avatarUrl.trim() !== (user.avatar_url ?? '')) p.avatar_url = avatarUrl.trim()
  return Object.keys(p).length ? p : null
}

/** The reset token from the landing URL's query (hash routing puts it after #/reset-password?). */
export function tokenFromQuery(q: unknown): string {
  return typeof q === 'string' ? q.trim() : Array.isArray(q) && typeof q[0] === 'string' ? q[0].trim() : ''
}

/**
 * Whether the user still has to verify their e-mail: until then the server
 * refuses messaging, friend requests, groups and uploads (admins always pass).
 */
export function needsVerification(user: Pick<User, 'email_verified' | 'role'> | null): boolean {
  return !!user && !user.email_verified && user.role !== 'admin'
}

/** Asks for a new verification mail and says, in the user's language, what happened. */
export async function resendVerification(api: Client): Promise<{ ok: boolean; text: string; verified?: boolean }> {
  try {
    const r = await api.post<{ email: string }>('/api/v1/me/verification', {})
    return { ok: true, text: t('unverified.sent', { email: r?.email ?? '' }) }
  } catch (err) {
    if (err instanceof ApiError && err.code === 'already_verified') return { ok: true, text: t('unverified.already'), verified: true }
    if (err instanceof ApiError && err.status === 429) return { ok: false, text: t('unverified.wait', { n: Math.max(1, Math.ceil((err.retryAfter ?? 60) / 60)) }) }
    return { ok: false, text: t('unverified.failed') }
  }
}
