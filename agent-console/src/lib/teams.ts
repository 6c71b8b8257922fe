// Teams (groups of agents that serve queues and take transfers) and the
// inbox's team views.
import type { ApiClient } from './api'
import { t } from './i18n'
import type { Schemas } from './schemas'

export type Team = Schemas['Team']
export type TeamMember = Schemas['TeamMember']
export type TeamInput = { name?: string; description?: string; default_capacity?: number }

export const listTeams = async (api: ApiClient): Promise<Team[]> => (await api.get<{ items: Team[] | null }>('/api/v1/teams')).items ?? []
export const createTeam = (api: ApiClient, body: TeamInput) => api.post<Team>('/api/v1/teams', body)
export const updateTeam = (api: ApiClient, id: number, body: TeamInput) => api.patch<Team>(`/api/v1/teams/${id}`, body)
export const deleteTeam = (api: ApiClient, id: number) => api.delete<void>(`/api/v1/teams/${id}`)
export const addTeamMember = (api: ApiClient, id: number, userId: number) => api.put<Team>(`/api/v1/teams/${id}/members/${userId}`, {})
export const removeTeamMember = (api: ApiClient, id: number, userId: number) => api.delete<void>(`/api/v1/teams/${id}/members/${userId}`)
export const setQueueTeam = (api: ApiClient, queueId: number, teamId: number | null) => api.patch<unknown>(`/api/v1/queues/${queueId}`, { team_id: teamId })

/** The server's bounds on a team's default capacity. */
export const MIN_CAPACITY = 1
export const MAX_CAPACITY = 100

/** The teams whose views an agent gets in the inbox: those they belong to, every team for an admin. */
export function myTeams(teams: readonly Team[], me: number | null, admin = false): Team[] {
  return teams.filter((tm) => admin || (me !== null && tm.members.some((m) => m.user_id === me))).sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id)
}

/** The account's agents and admins who are not in the team yet, by name. */
export function candidates<U extends { id: number; role: string; disabled?: boolean }>(users: readonly U[], team: Pick<Team, 'members'>): U[] {
  const held = new Set(team.members.map((m) => m.user_id))
  return users.filter((u) => (u.role === 'agent' || u.role === 'admin') && !u.disabled && !held.has(u.id))
}

/** "Online · 1/3" for a member: their state and load against the team's default capacity. */
export function memberState(m: TeamMember, capacity: number): string {
  const state = m.online ? t('teams.takesChats') : t(`status.${m.status}`)
  return t('teams.memberState', { state, load: m.load, capacity })
}

/** "Billing (2 online)" for the transfer list. */
export function teamOption(tm: Team): string {
  return t('teams.option', { name: tm.name, n: tm.members.filter((m) => m.online).length })
}
