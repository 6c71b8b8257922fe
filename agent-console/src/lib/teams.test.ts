import { describe, expect, it } from 'vitest'
import { candidates, memberState, myTeams, teamOption, type Team, type TeamMember } from './teams'

const member = (user_id: number, over: Partial<TeamMember> = {}): TeamMember => ({ user_id, name: `A${user_id}`, status: 'offline', online: false, load: 0, ...over })
const team = (id: number, name: string, members: TeamMember[]): Team => ({ id, name, description: '', default_capacity: 3, members })

describe('team views', () => {
  const teams = [team(2, 'Sales', [member(7)]), team(1, 'Billing', [member(7), member(8)]), team(3, 'Ops', [member(8)])]
  it("are the teams an agent belongs to, by name", () => {
    expect(myTeams(teams, 7).map((t) => t.name)).toEqual(['Billing', 'Sales'])
    expect(myTeams(teams, 9)).toEqual([])
    expect(myTeams(teams, null)).toEqual([])
  })
  it('are every team for an admin', () => {
    expect(myTeams(teams, 9, true).map((t) => t.id)).toEqual([1, 3, 2])
  })
})

describe('team members', () => {
  it('can be any agent or admin not in the team yet, never a user or a disabled account', () => {
    const users = [
      { id: 1, role: 'agent', disabled: false },
      { id: 2, role: 'admin', disabled: false },
      { id: 3, role: 'user', disabled: false },
      { id: 4, role: 'agent', disabled: true },
      { id: 5, role: 'agent', disabled: false },
    ]
    expect(candidates(users, { members: [member(5)] }).map((u) => u.id)).toEqual([1, 2])
  })
  it('show whether they take chats and their load against the capacity', () => {
    expect(memberState(member(1, { status: 'online', online: true, load: 2 }), 3)).toBe('Online · 2/3 chats')
    expect(memberState(member(1, { status: 'away', load: 0 }), 4)).toBe('Away · 0/4 chats')
    expect(memberState(member(1, { status: 'online', online: false }), 3)).toBe('Online · 0/3 chats')
  })
  it('online count in the transfer list', () => {
    expect(teamOption(team(1, 'Billing', [member(1, { online: true }), member(2)]))).toBe('Billing (1 online)')
  })
})
