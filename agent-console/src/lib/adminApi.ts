// REST calls of the admin pages: sites, queues, canned responses, webhooks,
// users and wallet credits (see README "Customer service").
import type { Api } from './socialApi'
import type { CannedResponse, PublicUser, Role, User } from './types'

const enc = encodeURIComponent

export interface PrechatField {
  name: string
  label: string
  type: 'text' | 'email'
  required: boolean
}

export type BusinessHours = Record<string, string[]>

export interface QueueAgent {
  user_id: number
  name: string
  capacity: number
  status: string
}

export interface AdminQueue {
  id: number
  site_id?: number
  name: string
  is_default: boolean
  assign_timeout_s: number
  agents: QueueAgent[]
}

export interface Site {
  id: number
  name: string
  public_key: string
  secret?: string
  allowed_origins: string[]
  color: string
  greeting: string
  away_message: string
  business_hours: BusinessHours | null
  time_zone: string
  prechat_fields: PrechatField[] | null
  require_identity: boolean
  snippet: string
  queues: AdminQueue[]
}

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
  >
>

export interface Webhook {
  id: number
  site_id: number
  url: string
  events: string[]
  secret?: string
  created_at: string
}

export interface WebhookDelivery {
  id: number
  event: string
  status: 'pending' | 'delivered' | 'failed'
  attempts: number
  last_status_code: number
  last_error: string
  created_at: string
  delivered_at: string | null
}

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
