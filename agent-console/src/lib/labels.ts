// Labels (account-wide tags on conversations and visitors) and the SLA
// badge of inbox rows.
import type { ApiClient } from './api'
import type { Schemas } from './schemas'
import type { SupportConversation } from './types'

export type Label = Schemas['Label']
export type LabelRef = Schemas['LabelRef']
export type LabelInput = { name?: string; colour?: string; description?: string }

export const listLabels = async (api: ApiClient): Promise<Label[]> => (await api.get<{ items: Label[] }>('/api/v1/labels')).items
export const createLabel = (api: ApiClient, body: LabelInput) => api.post<Label>('/api/v1/labels', body)
export const updateLabel = (api: ApiClient, id: number, body: LabelInput) => api.patch<Label>(`/api/v1/labels/${id}`, body)
export const deleteLabel = (api: ApiClient, id: number) => api.delete<void>(`/api/v1/labels/${id}`)
export const setConversationLabels = (api: ApiClient, id: number, labelIds: number[]) =>
  api.put<SupportConversation>(`/api/v1/support/conversations/${id}/labels`, { label_ids: labelIds })
export const bulkLabels = async (api: ApiClient, conversationIds: number[], add: number[], remove: number[] = []) =>
  (await api.post<{ items: SupportConversation[] }>('/api/v1/support/conversations/labels', { conversation_ids: conversationIds, add, remove })).items
export const setVisitorLabels = (api: ApiClient, id: number, labelIds: number[]) =>
  api.put<Schemas['Visitor']>(`/api/v1/support/visitors/${id}/labels`, { label_ids: labelIds })

/**
 * The text colour, black or white, with the higher WCAG contrast on a
 * label's background: one of them always reaches 4.5:1.
 */
export function textOn(colour: string): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour)
  if (!m) return '#000'
  const [r, g, b] = [m[1], m[2], m[3]].map((h) => {
    const c = parseInt(h, 16) / 255
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  })
  const l = 0.2126 * r + 0.7152 * g + 0.0722 * b
  // Contrast with black (l + 0.05) / 0.05 against white 1.05 / (l + 0.05).
  return (l + 0.05) * (l + 0.05) > 0.0525 ? '#000' : '#fff'
}

export type SlaState = { kind: 'near' | 'overdue'; minutes: number }

/**
 * The SLA badge of a conversation at `now`: overdue (a target was missed
 * or is past due with nothing done), near (under 25 % of a target left),
 * or null. Only the pending target counts: the first reply while none was
 * sent, then the resolution while open.
 */
export function slaState(c: SupportConversation, now: number): SlaState | null {
  const sla = c.sla
  if (!sla || c.status === 'resolved') return null
  if (sla.first_response_breached || sla.resolution_breached) return { kind: 'overdue', minutes: 0 }
  const pending: Array<[string | null, number | null]> = []
  if (!sla.first_response_at) pending.push([sla.first_response_due_at, sla.first_response_target_s])
  pending.push([sla.resolution_due_at, sla.resolution_target_s])
  let best: SlaState | null = null
  for (const [due, target] of pending) {
    if (!due || !target) continue
    const left = Date.parse(due) - now
    if (left <= 0) return { kind: 'overdue', minutes: 0 }
    if (left < target * 1000 * 0.25) {
      const minutes = Math.max(1, Math.ceil(left / 60000))
      if (!best || minutes < best.minutes) best = { kind: 'near', minutes }
    }
  }
  return best
}
