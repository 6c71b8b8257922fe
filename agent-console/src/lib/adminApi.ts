// REST calls of the admin pages: sites, queues, canned responses, webhooks,
// users and wallet credits (see README "Customer service").
import { t } from './i18n'
import type { Api } from './socialApi'
import type { Answer, Override, Schemas } from './schemas'
import type { CannedResponse, PublicUser, QueueAgent, QueueInfo, Role, User } from './types'

const enc = encodeURIComponent

export type PrechatField = Schemas['PrechatField']

export type BusinessHours = Record<string, string[]>

export type { QueueAgent }

export type AdminQueue = QueueInfo

export type Site = Schemas['Site']

export type SitePatch = Partial<
  Pick<
    Site,
    | 'name'
    | 'allowed_origins'
    | 'color'
    | 'greeting'
    | 'away_message'
    | 'business_hours'
    | 'time_zone'
    | 'prechat_fields'
    | 'require_identity'
    | 'font_family'
    | 'launcher_position'
  >
>

export type Webhook = Schemas['Webhook']

export type WebhookDelivery = Schemas['WebhookDelivery']
export type Bot = Schemas['Bot']

export const webhookEvents = [
  'conversation.created',
  'conversation.assigned',
  'conversation.resolved',
  'conversation.rated',
  'message.created',
]

export async function listSites(api: Api): Promise<Site[]> {
  return (await api.get<{ items: Site[] | null }>('/api/v1/sites'))?.items ?? []
}

export const getSite = (api: Api, id: number) => api.get<Site>(`/api/v1/sites/${id}`)
export const createSite = (api: Api, body: SitePatch & { name: string }) => api.post<Site>('/api/v1/sites', body)
export const patchSite = (api: Api, id: number, body: SitePatch) => api.patch<Site>(`/api/v1/sites/${id}`, body)
export const rotateSecret = (api: Api, id: number) => api.post<Site>(`/api/v1/sites/${id}/secret`, {})
/** Gives the site's Pusher app a new secret; the old one keeps verifying for the grace period. */
export const rotatePusherSecret = (api: Api, id: number) => api.post<Site>(`/api/v1/sites/${id}/pusher/rotate`, {})

export const createQueue = (api: Api, siteId: number, name: string, assignTimeoutS?: number) =>
  api.post<AdminQueue>(`/api/v1/sites/${siteId}/queues`, assignTimeoutS ? { name, assign_timeout_s: assignTimeoutS } : { name })

/** Puts an agent in a queue with a capacity; 0 removes them. */
export const setAgentCapacity = (api: Api, queueId: number, userId: number, capacity: number) =>
  api.put<unknown>(`/api/v1/queues/${queueId}/agents/${userId}`, { capacity })

export async function listCanned(api: Api, siteId: number): Promise<CannedResponse[]> {
  return (await api.get<{ items: CannedResponse[] | null }>(`/api/v1/sites/${siteId}/canned-responses`))?.items ?? []
}
export const createCanned = (api: Api, siteId: number, shortcut: string, body: string) =>
  api.post<CannedResponse>(`/api/v1/sites/${siteId}/canned-responses`, { shortcut, body })

export async function listBots(api: Api, siteId: number): Promise<Bot[]> {
  return (await api.get<{ items: Bot[] | null }>(`/api/v1/sites/${siteId}/bots`))?.items ?? []
}
export const createBot = (api: Api, siteId: number, name: string, webhookUrl: string) =>
  api.post<Bot>(`/api/v1/sites/${siteId}/bots`, { name, webhook_url: webhookUrl })
export const deleteBot = (api: Api, id: number) => api.delete<void>(`/api/v1/bots/${id}`)
export const rotateBotToken = (api: Api, id: number) => api.post<Bot>(`/api/v1/bots/${id}/token`, {})

export async function listWebhooks(api: Api, siteId: number): Promise<Webhook[]> {
  return (await api.get<{ items: Webhook[] | null }>(`/api/v1/sites/${siteId}/webhooks`))?.items ?? []
}
export const createWebhook = (api: Api, siteId: number, url: string, events: string[]) =>
  api.post<Webhook>(`/api/v1/sites/${siteId}/webhooks`, { url, events })
export const deleteWebhook = (api: Api, id: number) => api.delete<void>(`/api/v1/webhooks/${id}`)
export async function listDeliveries(api: Api, webhookId: number): Promise<WebhookDelivery[]> {
  return (await api.get<{ items: WebhookDelivery[] | null }>(`/api/v1/webhooks/${webhookId}/deliveries`))?.items ?? []
}
export const retryDelivery = (api: Api, id: number) => api.post<void>(`/api/v1/webhook-deliveries/${id}/retry`, {})

export interface NewUser {
  username: string
  email: string
  password: string
  nickname: string
  role: Role
  verified: boolean
}
export const createUser = (api: Api, u: NewUser) => api.post<{ user: User }>('/api/v1/admin/users', u)

export async function searchUsers(api: Api, q: string): Promise<PublicUser[]> {
  return (await api.get<{ items: PublicUser[] | null }>(`/api/v1/users/search?q=${enc(q)}`))?.items ?? []
}

export const creditWallet = (api: Api, userId: number, amountCents: number, note: string) =>
  api.post<{ user_id: number; balance_cents: number }>(`/api/v1/admin/wallets/${userId}/credit`, {
    amount_cents: amountCents,
    note,
  })

// Editing and removing support settings.
export const deleteSite = (api: Api, id: number) => api.delete<void>(`/api/v1/sites/${id}`)
export const patchQueue = (api: Api, id: number, body: { name?: string; assign_timeout_s?: number; is_default?: true; bot_id?: number | null }) =>
  api.patch<AdminQueue>(`/api/v1/queues/${id}`, body)
export const deleteQueue = (api: Api, id: number) => api.delete<void>(`/api/v1/queues/${id}`)
export const removeQueueAgent = (api: Api, queueId: number, userId: number) =>
  api.delete<void>(`/api/v1/queues/${queueId}/agents/${userId}`)
export const patchCanned = (api: Api, id: number, body: { shortcut?: string; body?: string }) =>
  api.patch<CannedResponse>(`/api/v1/canned-responses/${id}`, body)
export const deleteCanned = (api: Api, id: number) => api.delete<void>(`/api/v1/canned-responses/${id}`)

// Users and roles.
/** An account as the admin pages show it (User, role narrowed as in ./types). */
export type AdminUser = User

/** GET /api/v1/admin/users, items as AdminUser. */
export type UserPage = Override<Answer<'listUsers'>, { items: AdminUser[] }>

/** The admin's list of accounts: q matches username, e-mail or nickname. */
export async function listUsers(api: Api, opts: { q?: string; role?: Role | ''; cursor?: string | null; limit?: number } = {}): Promise<UserPage> {
  const p = new URLSearchParams()
  if (opts.q) p.set('q', opts.q)
  if (opts.role) p.set('role', opts.role)
  if (opts.cursor) p.set('cursor', opts.cursor)
  if (opts.limit) p.set('limit', String(opts.limit))
  const qs = p.toString()
  const page = await api.get<{ items: AdminUser[] | null; next_cursor: string | null }>(`/api/v1/admin/users${qs ? `?${qs}` : ''}`)
  return { items: page?.items ?? [], next_cursor: page?.next_cursor ?? null }
}

export const patchUser = (api: Api, id: number, body: { role?: Role; disabled?: boolean }) =>
  api.patch<AdminUser>(`/api/v1/admin/users/${id}`, body)

// The admin action log.
export type AuditEntry = Schemas['AuditEntry']

export async function listAudit(
  api: Api,
  opts: { action?: string; actor?: number | null; cursor?: string | null; limit?: number } = {},
): Promise<{ items: AuditEntry[]; next_cursor: string | null }> {
  const p = new URLSearchParams()
  if (opts.action) p.set('action', opts.action)
  if (opts.actor) p.set('actor', String(opts.actor))
  if (opts.cursor) p.set('cursor', opts.cursor)
  if (opts.limit) p.set('limit', String(opts.limit))
  const qs = p.toString()
  const page = await api.get<{ items: AuditEntry[] | null; next_cursor: string | null }>(`/api/v1/admin/audit-log${qs ? `?${qs}` : ''}`)
  return { items: page?.items ?? [], next_cursor: page?.next_cursor ?? null }
}

/** A short human line for an action log entry's detail. */
export function auditDetail(e: Pick<AuditEntry, 'action' | 'detail'>): string {
  const d = e.detail ?? {}
  const parts: string[] = []
  if (typeof d.from === 'string' && typeof d.to === 'string') parts.push(`${d.from} → ${d.to}`)
  if (typeof d.amount_cents === 'number') parts.push(`${(d.amount_cents / 100).toFixed(2)}`)
  for (const k of ['name', 'username', 'shortcut', 'url', 'note', 'role']) {
    const v = d[k]
    if (typeof v === 'string' && v) parts.push(k === 'role' ? t('audit.role', { role: v }) : v)
  }
  if (Array.isArray(d.fields) && d.fields.length) parts.push(t('audit.changed', { fields: d.fields.join(t('pane.listSeparator')) }))
  if (typeof d.user_id === 'number') parts.push(t('audit.user', { id: d.user_id }))
  if (typeof d.capacity === 'number') parts.push(t('audit.capacity', { n: d.capacity }))
  if (d.source === 'self_registration') parts.push(t('audit.selfRegistration'))
  return parts.join(' · ')
}
