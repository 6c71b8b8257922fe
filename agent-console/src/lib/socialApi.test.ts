import { describe, expect, it } from 'vitest'
import { inviteTokenFrom, listGroups, listMembers, sendFriendRequest, type Api } from './socialApi'

/** A fake Api that records calls and answers from a table of paths. */
function fake(answers: Record<string, unknown>) {
  const calls: Array<{ method: string; path: string; body?: unknown }> = []
  const answer = (path: string) => {
    if (!(path in answers)) throw new Error(`unexpected ${path}`)
    return answers[path]
  }
  const api = {
    get: async (path: string) => (calls.push({ method: 'GET', path }), answer(path)),
    requestWithStatus: async (method: string, path: string, body?: unknown) => {
      calls.push({ method, path, body })
      return { status: 201, data: answer(path) }
    },
  } as unknown as Api
  return { api, calls }
}

describe('socialApi', () => {
  it('sends a friend request by id, with the message only when there is one', async () => {
    const { api, calls } = fake({ '/api/v1/friend-requests': { id: 1 } })
    await sendFriendRequest(api, 5, '  ')
    await sendFriendRequest(api, 5, ' hi there ')
    expect(calls.map((c) => c.body)).toEqual([{ user_id: 5 }, { user_id: 5, message: 'hi there' }])
  })

  it('follows group pages until the cursor ends', async () => {
    const { api, calls } = fake({
      '/api/v1/groups?limit=200': { items: [{ id: 1 }], next_cursor: '1' },
      '/api/v1/groups?limit=200&cursor=1': { items: [{ id: 2 }], next_cursor: null },
    })
    expect((await listGroups(api)).map((g) => g.id)).toEqual([1, 2])
    expect(calls).toHaveLength(2)
  })

  it('stops paging members when a server repeats the cursor', async () => {
    const { api, calls } = fake({
      '/api/v1/groups/4/members?limit=200': { items: [{ role: 'owner' }], next_cursor: 7 },
      '/api/v1/groups/4/members?limit=200&cursor=7': { items: [{ role: 'member' }], next_cursor: 7 },
    })
    expect(await listMembers(api, 4)).toHaveLength(2)
    expect(calls).toHaveLength(2)
  })

  it('takes an invite token from a link or on its own', () => {
    expect(inviteTokenFrom('https://chat.example.com/console/#/invite/Ab-_9x')).toBe('Ab-_9x')
    expect(inviteTokenFrom(' Ab-_9x ')).toBe('Ab-_9x')
    expect(inviteTokenFrom('not a token!')).toBeNull()
    expect(inviteTokenFrom('')).toBeNull()
  })
})
