// Contacts: a site's visitors as profiles across devices and conversations,
// their custom attributes and merging duplicates.
import { ApiError, type ApiClient } from './api'
import type { PageOf, SupportConversation } from './types'
import type { Schemas } from './schemas'

export type Contact = Schemas['Contact']
export type AttributeValue = Schemas['AttributeValue']
export type AttributesChange = Schemas['AttributesChange']
export type ContactPage = { items: Contact[]; next_cursor: string | null }

/** The server's bounds on attributes. */
export const ATTRIBUTE_KEY = /^[a-z][a-z0-9_]{0,39}$/
export const MAX_ATTRIBUTES = 50
export const MAX_VALUE = 500
export const MAX_QUERY = 200
export const PAGE_SIZE = 50

export async function listContacts(api: ApiClient, siteId: number, q = '', cursor: string | null = null): Promise<ContactPage> {
  const p = new URLSearchParams({ limit: String(PAGE_SIZE) })
  const text = q.trim().slice(0, MAX_QUERY)
  if (text) p.set('q', text)
  if (cursor) p.set('cursor', cursor)
  const page = await api.get<{ items: Contact[] | null; next_cursor: string | null }>(`/api/v1/sites/${siteId}/contacts?${p}`)
  return { items: page.items ?? [], next_cursor: page.next_cursor ?? null }
}
export const getContact = (api: ApiClient, id: number) => api.get<Contact>(`/api/v1/support/visitors/${id}`)
export const updateContact = (api: ApiClient, id: number, body: { name?: string; email?: string; attributes?: AttributesChange }) =>
  api.patch<Contact>(`/api/v1/support/visitors/${id}`, body)
export const mergeContact = (api: ApiClient, id: number, fromId: number) =>
  api.post<Contact>(`/api/v1/support/visitors/${id}/merge`, { from_visitor_id: fromId })
export async function contactConversations(api: ApiClient, id: number): Promise<SupportConversation[]> {
  const page = await api.get<PageOf<'listVisitorConversations', SupportConversation>>(`/api/v1/support/visitors/${id}/conversations?limit=50`)
  return page.items ?? []
}

/** One line of the attribute editor: the value as typed, and its kind. */
export interface AttributeRow {
  key: string
  kind: 'string' | 'number' | 'boolean'
  value: string
}

/** The editor's rows for a contact's attributes, by key. */
export function attributeRows(attrs: Record<string, AttributeValue> | null | undefined): AttributeRow[] {
  return Object.keys(attrs ?? {})
    .sort()
    .map((key) => {
      const v = attrs![key]
      return { key, kind: typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'string', value: String(v) }
    })
}

/** A row's value as the server takes it (a number or boolean when the kind says so). */
export function rowValue(r: AttributeRow): AttributeValue {
  if (r.kind === 'number') return Number(r.value)
  if (r.kind === 'boolean') return r.value === 'true'
  return r.value
}

/**
 * What to send for the rows against the stored attributes: the keys that
 * were added or changed, and null for the keys no row holds any more.
 */
export function attributesChange(before: Record<string, AttributeValue> | null | undefined, rows: readonly AttributeRow[]): AttributesChange {
  const out: AttributesChange = {}
  const kept = new Set<string>()
  for (const r of rows) {
    const key = r.key.trim()
    if (!key) continue
    kept.add(key)
    const v = rowValue({ ...r, key })
    if (!before || before[key] !== v) out[key] = v
  }
  for (const key of Object.keys(before ?? {})) if (!kept.has(key)) out[key] = null
  return out
}

/** The problems found before asking the server, by field name ("attributes.plan", "attributes.2.key"). */
export function checkRows(rows: readonly AttributeRow[]): Record<string, 'key' | 'duplicate' | 'number' | 'long' | 'many'> {
  const out: Record<string, 'key' | 'duplicate' | 'number' | 'long' | 'many'> = {}
  const seen = new Set<string>()
  rows.forEach((r, i) => {
    const key = r.key.trim()
    if (!ATTRIBUTE_KEY.test(key)) out[`attributes.${i}.key`] = 'key'
    else if (seen.has(key)) out[`attributes.${i}.key`] = 'duplicate'
    else if (r.kind === 'number' && (r.value.trim() === '' || !Number.isFinite(Number(r.value)))) out[`attributes.${key}`] = 'number'
    else if (r.kind === 'string' && [...r.value].length > MAX_VALUE) out[`attributes.${key}`] = 'long'
    seen.add(key)
  })
  if (rows.length > MAX_ATTRIBUTES) out.attributes = 'many'
  return out
}

/** The server's 400 details (field → message), or none. */
export function fieldErrors(err: unknown): Record<string, string> {
  if (!(err instanceof ApiError) || err.status !== 400 || !err.details || typeof err.details !== 'object') return {}
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(err.details as Record<string, unknown>)) if (typeof v === 'string') out[k] = v
  return out
}

/** A contact's name for lists: the name, else the e-mail, else the external id, else "Visitor N". */
export function contactName(c: Pick<Contact, 'id' | 'name' | 'email' | 'external_id'>, fallback: (id: number) => string): string {
  return c.name || c.email || c.external_id || fallback(c.id)
}
