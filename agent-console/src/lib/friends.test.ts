import { describe, expect, it } from 'vitest'
import {
  applyPositions,
  applyRequestFrame,
  applySendResult,
  groupFriends,
  incomingBadge,
  isNewIncoming,
  matchFriends,
  moveCategory,
  nameOf,
  relationOf,
  removeRequest,
  type RequestBoxes,
} from './friends'
import type { Friend, FriendCategory, FriendRequest, PublicUser } from './types'

const me: PublicUser = { id: 1, username: 'me', nickname: 'Me', avatar_url: '' }
const user = (id: number, nickname = ''): PublicUser => ({ id, username: `u${id}`, nickname, avatar_url: '' })
const friend = (id: number, over: Partial<Friend> = {}): Friend => ({
  user: user(id, `N${id}`),
  remark: '',
  category_id: null,
  presence: { status: 'offline', last_seen_at: null },
  since: '2025-01-01T00:00:00Z',
  ...over,
})
const req = (id: number, from: PublicUser, to: PublicUser, status: FriendRequest['status'] = 'pending'): FriendRequest => ({
  id,
  from,
  to,
  message: '',
  status,
  created_at: '2025-01-01T00:00:00Z',
})
const empty: RequestBoxes = { incoming: [], outgoing: [] }

describe('names', () => {
  it('prefers my remark, then the nickname, then the username', () => {
    expect(nameOf(user(2, 'Bob'), '  Bobby ')).toBe('Bobby')
    expect(nameOf(user(2, 'Bob'), '   ')).toBe('Bob')
    expect(nameOf(user(2))).toBe('u2')
    expect(nameOf(null)).toBe('Unknown')
  })
})

describe('groupFriends', () => {
  const cats: FriendCategory[] = [
    { id: 10, name: 'Work', position: 2 },
    { id: 11, name: 'Family', position: 1 },
    { id: 12, name: 'Empty', position: 3 },
  ]

  it('orders categories by position, keeps empty ones and puts the rest last', () => {
    const s = groupFriends([friend(2, { category_id: 10 }), friend(3, { category_id: 11 }), friend(4), friend(5, { category_id: 99 })], cats)
    expect(s.map((x) => [x.name, x.friends.map((f) => f.user.id)])).toEqual([
      ['Family', [3]],
      ['Work', [2]],
      ['Empty', []],
      ['Friends', [4, 5]], // 99 is an unknown (deleted) category
    ])
  })

  it('sorts online, then away, then by shown name; live presence wins over the list', () => {
    const list = [
      friend(2, { remark: 'zed' }),
      friend(3, { remark: 'amy' }),
      friend(4, { remark: 'bea', presence: { status: 'away', last_seen_at: null } }),
      friend(5, { remark: 'cat' }),
    ]
    const s = groupFriends(list, [], { 5: { status: 'online', last_seen_at: null, at: 0 } })
    expect(s).toHaveLength(1)
    expect(s[0].friends.map((f) => f.remark)).toEqual(['cat', 'bea', 'amy', 'zed'])
  })

  it('shows an empty "Friends" section when there are no categories at all', () => {
    expect(groupFriends([], [])).toEqual([{ id: null, name: 'Friends', friends: [] }])
    expect(groupFriends([], cats).map((s) => s.name)).toEqual(['Family', 'Work', 'Empty'])
  })
})

describe('category order', () => {
  const cats: FriendCategory[] = [
    { id: 1, name: 'A', position: 0 },
    { id: 2, name: 'B', position: 1 },
    { id: 3, name: 'C', position: 2 },
  ]

  it('swaps with the neighbour', () => {
    expect(moveCategory(cats, 3, -1)).toEqual([
      { id: 3, position: 1 },
      { id: 2, position: 2 },
    ])
    expect(applyPositions(cats, moveCategory(cats, 3, -1)).map((c) => c.name)).toEqual(['A', 'C', 'B'])
  })

  it('does nothing at the ends or for an unknown id', () => {
    expect(moveCategory(cats, 1, -1)).toEqual([])
    expect(moveCategory(cats, 3, 1)).toEqual([])
    expect(moveCategory(cats, 9, 1)).toEqual([])
  })

  it('renumbers duplicate positions so the move is well defined', () => {
    const dup: FriendCategory[] = [
      { id: 1, name: 'A', position: 0 },
      { id: 2, name: 'B', position: 0 },
      { id: 3, name: 'C', position: 0 },
    ]
    const patches = moveCategory(dup, 1, 1)
    expect(applyPositions(dup, patches).map((c) => c.name)).toEqual(['B', 'A', 'C'])
    expect(patches).toEqual([
      { id: 1, position: 1 },
      { id: 3, position: 2 },
    ])
  })
})

describe('friend requests', () => {
  const bob = user(2, 'Bob')
  const cy = user(3, 'Cy')

  it('counts pending incoming requests for the badge', () => {
    expect(incomingBadge({ incoming: [req(1, bob, me), req(2, cy, me, 'accepted')], outgoing: [req(3, me, cy)] })).toBe(1)
  })

  it('puts a new request (201) into the outgoing box', () => {
    const r = applySendResult(empty, req(7, me, bob), 201)
    expect(r.outcome).toBe('sent')
    expect(r.boxes.outgoing.map((x) => x.id)).toEqual([7])
  })

  it('recognises an auto-accept (200) and clears their request from my incoming box', () => {
    const boxes: RequestBoxes = { incoming: [req(5, bob, me), req(6, cy, me)], outgoing: [] }
    const r = applySendResult(boxes, req(5, bob, me, 'accepted'), 200)
    expect(r.outcome).toBe('friends')
    expect(r.boxes.incoming.map((x) => x.id)).toEqual([6])
    expect(incomingBadge(r.boxes)).toBe(1)
  })

  it('treats a 200 whose request is still pending as a plain send (idempotent repeat)', () => {
    const r = applySendResult({ incoming: [], outgoing: [req(7, me, bob)] }, req(7, me, bob), 200)
    expect(r.outcome).toBe('sent')
    expect(r.boxes.outgoing).toHaveLength(1)
  })

  it('files live frames by direction and drops settled ones', () => {
    let b = applyRequestFrame(empty, req(8, bob, me), me.id)
    expect(incomingBadge(b)).toBe(1)
    expect(isNewIncoming(b, req(8, bob, me), me.id)).toBe(false)
    expect(isNewIncoming(b, req(9, cy, me), me.id)).toBe(true)
    b = applyRequestFrame(b, req(8, bob, me, 'canceled'), me.id)
    expect(incomingBadge(b)).toBe(0)
    b = applyRequestFrame(b, req(10, me, cy), me.id)
    expect(b.outgoing.map((x) => x.id)).toEqual([10])
    b = applyRequestFrame(b, req(10, me, cy, 'accepted'), me.id)
    expect(b.outgoing).toEqual([])
    expect(applyRequestFrame(b, { id: 'x' } as unknown as FriendRequest, me.id)).toBe(b)
  })

  it('removes an answered request from either box', () => {
    const b = removeRequest({ incoming: [req(1, bob, me)], outgoing: [req(2, me, cy)] }, 2)
    expect(b).toEqual({ incoming: [req(1, bob, me)], outgoing: [] })
  })

  it('labels a search result by relation', () => {
    const boxes: RequestBoxes = { incoming: [req(1, cy, me)], outgoing: [req(2, me, user(4))] }
    const friends = [friend(2)]
    expect(relationOf(2, friends, boxes)).toBe('friend')
    expect(relationOf(3, friends, boxes)).toBe('requested_me')
    expect(relationOf(4, friends, boxes)).toBe('requested')
    expect(relationOf(5, friends, boxes)).toBe('none')
  })
})

describe('matchFriends', () => {
  const list = [friend(3, { user: user(3, 'Zoë') }), friend(2, { remark: 'Boss' }), friend(4, { user: user(4, '小明') })]

  it('lists everyone by shown name for an empty search', () => {
    expect(matchFriends(list, ' ').map((f) => f.user.id)).toEqual([2, 3, 4])
  })

  it('matches name, @username or remark, any case', () => {
    expect(matchFriends(list, 'boss').map((f) => f.user.id)).toEqual([2])
    expect(matchFriends(list, 'U3').map((f) => f.user.id)).toEqual([3])
    expect(matchFriends(list, '明').map((f) => f.user.id)).toEqual([4])
    expect(matchFriends(list, 'nobody')).toEqual([])
  })
})
