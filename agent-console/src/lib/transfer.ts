import { t } from './i18n'
import type { AgentStatus, SiteInfo } from './types'

/** An agent a conversation can be transferred to, as the transfer list shows them. */
export interface TransferAgent {
  id: number
  name: string
  status: AgentStatus
  load: number
  capacity: number
}

const ORDER: Record<AgentStatus, number> = { online: 0, away: 1, offline: 2 }

/**
 * The site's agents other than me, once each: online first, then the least
 * loaded, then by name. An agent of several queues shows the capacity they
 * have in the conversation's queue when they serve it.
 */
export function transferAgents(site: SiteInfo | null | undefined, me: number | null, queueId?: number): TransferAgent[] {
  const byId = new Map<number, TransferAgent>()
  for (const q of site?.queues ?? []) {
    for (const a of q.agents ?? []) {
      if (a.user_id === me) continue
      const held = byId.get(a.user_id)
      if (held && q.id !== queueId) continue
      const status: AgentStatus = a.status === 'online' || a.status === 'away' ? a.status : 'offline'
      byId.set(a.user_id, { id: a.user_id, name: a.name, status, load: a.load, capacity: a.capacity })
    }
  }
  return [...byId.values()].sort(
    (a, b) => ORDER[a.status] - ORDER[b.status] || a.load / Math.max(a.capacity, 1) - b.load / Math.max(b.capacity, 1) || a.name.localeCompare(b.name) || a.id - b.id,
  )
}

/** "Ada · Online · 1/3 chats". */
export function transferLabel(a: TransferAgent): string {
  return t('inbox.agentOption', { name: a.name || t('inbox.agentN', { id: a.id }), status: t(`status.${a.status}`), load: a.load, capacity: a.capacity })
}
