import { describe, expect, it } from 'vitest'
import { auditDetail, listAudit, listUsers, patchUser } from './adminApi'
import type { Api } from './socialApi'

function fake(answer: unknown) {
  const calls: Array<{ method: string; path: string; body?: unknown }> = []
  const api = {
    get: async (path: string) => (calls.push({ method: 'GET', path }), answer),
    patch: async (path: string, body?: unknown) => (calls.push({ method: 'PATCH', path, body }), answer),
  } as unknown as Api
  return { api, calls }
}

describe('users and roles', () => {
  it('lists users with only the filters given, escaped', async () => {
    const { api, calls } = fake({ items: null, next_cursor: null })
    expect(await listUsers(api)).toEqual({ items: [], next_cursor: null })
    await listUsers(api, { q: 'a&b %', role: 'agent', cursor: '42' })
    expect(calls.map((c) => c.path)).toEqual(['/api/v1/admin/users', '/api/v1/admin/users?q=a%26b+%25&role=agent&cursor=42'])
  })

  it('patches a role or the disabled flag', async () => {
    const { api, calls } = fake({ id: 3 })
    await patchUser(api, 3, { role: 'admin' })
    await patchUser(api, 3, { disabled: true })
    expect(calls).toEqual([
      { method: 'PATCH', path: '/api/v1/admin/users/3', body: { role: 'admin' } },
      { method: 'PATCH', path: '/api/v1/admin/users/3', body: { disabled: true } },
    ])
  })
})

describe('action log', () => {
  it('filters by action and pages by cursor', async () => {
    const { api, calls } = fake({ items: [{ id: 9 }], next_cursor: '9' })
    const page = await listAudit(api, { action: 'user.role', cursor: '12' })
    expect(page.next_cursor).toBe('9')
    expect(calls[0].path).toBe('/api/v1/admin/audit-log?action=user.role&cursor=12')
  })

  it('describes an entry in a few words', () => {
    expect(auditDetail({ action: 'user.role', detail: { from: 'user', to: 'agent' } })).toBe('user → agent')
    expect(auditDetail({ action: 'wallet.credit', detail: { amount_cents: 1250, note: 'welcome' } })).toBe('12.50 · welcome')
    expect(auditDetail({ action: 'site.update', detail: { fields: ['color', 'name'] } })).toBe('changed color, name')
    expect(auditDetail({ action: 'queue.agent_set', detail: { user_id: 4, capacity: 3 } })).toBe('user 4 · capacity 3')
    expect(auditDetail({ action: 'user.disable', detail: {} })).toBe('')
    expect(auditDetail({ action: 'user.create', detail: { username: 'newcomer', role: 'user', source: 'self_registration' } })).toBe('newcomer · role user · signed up on the web')
  })
})
