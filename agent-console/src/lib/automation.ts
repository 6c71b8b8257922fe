// Automation rules of a site: the API calls and what the admin page
// needs to show and edit them.
import type { Api } from './socialApi'
import type { Schemas } from './schemas'

export type AutomationRule = Schemas['AutomationRule']
export type AutomationTrigger = Schemas['AutomationTrigger']
export type AutomationCondition = Schemas['AutomationCondition']
export type AutomationAction = Schemas['AutomationAction']
export type RuleInput = {
  name?: string
  enabled?: boolean
  position?: number
  trigger?: AutomationTrigger
  conditions?: AutomationCondition[]
  actions?: AutomationAction[]
}

export const triggerTypes = ['conversation_created', 'message_created', 'conversation_idle', 'label_added'] as const
export const conditionFields = ['queue_id', 'page_url', 'language', 'business_hours', 'label', 'attribute'] as const
export const actionTypes = ['assign_agent', 'assign_team', 'add_label', 'send_canned', 'resolve', 'send_webhook'] as const

/** The operators of a condition field (attribute.<key> has the attribute's). */
export function operatorsOf(field: string): AutomationCondition['operator'][] {
  switch (field.startsWith('attribute.') ? 'attribute' : field) {
    case 'queue_id':
      return ['is', 'is_not']
    case 'page_url':
      return ['contains', 'equals', 'starts_with']
    case 'language':
      return ['equals', 'starts_with']
    case 'business_hours':
      return ['is']
    case 'label':
      return ['has', 'has_not']
    case 'attribute':
      return ['equals', 'contains', 'exists']
  }
  return []
}

/** Whether a condition's value is an id chosen from a list. */
export const idValued = (field: string) => field === 'queue_id' || field === 'label'

export async function listRules(api: Api, siteId: number): Promise<AutomationRule[]> {
  return (await api.get<{ items: AutomationRule[] | null }>(`/api/v1/sites/${siteId}/automation-rules`))?.items ?? []
}
export const createRule = (api: Api, siteId: number, body: RuleInput) => api.post<AutomationRule>(`/api/v1/sites/${siteId}/automation-rules`, body)
export const updateRule = (api: Api, id: number, body: RuleInput) => api.patch<AutomationRule>(`/api/v1/automation-rules/${id}`, body)
export const deleteRule = (api: Api, id: number) => api.delete<void>(`/api/v1/automation-rules/${id}`)

export type Team = { id: number; name: string }
export async function listTeams(api: Api): Promise<Team[]> {
  return (await api.get<{ items: Team[] | null }>('/api/v1/teams'))?.items ?? []
}

/**
 * The body the form sends: only the fields each trigger, condition and
 * action type uses, ids as numbers.
 */
export function ruleBody(r: { name: string; enabled: boolean; trigger: AutomationTrigger; conditions: AutomationCondition[]; actions: AutomationAction[] }): RuleInput {
  const trigger: AutomationTrigger = { type: r.trigger.type }
  if (r.trigger.type === 'message_created') trigger.from = r.trigger.from || 'any'
  if (r.trigger.type === 'conversation_idle') trigger.minutes = Number(r.trigger.minutes)
  if (r.trigger.type === 'label_added' && r.trigger.label_id) trigger.label_id = Number(r.trigger.label_id)
  const conditions = r.conditions.map((c) => {
    const out: AutomationCondition = { field: c.field, operator: c.operator }
    if (c.operator !== 'exists') out.value = idValued(c.field) ? Number(c.value) : String(c.value ?? '')
    return out
  })
  const actions = r.actions.map((a) => {
    const out: AutomationAction = { type: a.type }
    if (a.type === 'assign_agent') out.user_id = Number(a.user_id)
    if (a.type === 'assign_team') out.team_id = Number(a.team_id)
    if (a.type === 'add_label') out.label_id = Number(a.label_id)
    if (a.type === 'send_canned') out.canned_id = Number(a.canned_id)
    if (a.type === 'send_webhook') out.url = (a.url ?? '').trim()
    return out
  })
  return { name: r.name.trim(), enabled: r.enabled, trigger, conditions, actions }
}

/** The field errors of an API error's details, by field path ("actions[0].canned_id"). */
export function fieldErrors(details: unknown): Record<string, string> {
  if (!details || typeof details !== 'object' || Array.isArray(details)) return {}
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(details as Record<string, unknown>)) if (typeof v === 'string') out[k] = v
  return out
}
