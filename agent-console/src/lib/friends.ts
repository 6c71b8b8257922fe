import type { PresenceMap } from './presence'
import type { Friend, FriendCategory, FriendRequest, PublicUser } from './types'

/** The name to show for someone: the remark I gave them, else their nickname, else @username. */
export function nameOf(u: PublicUser | null | undefined, remark?: string | null): string {
  if (remark && remark.trim()) return remark.trim()
  if (!u) return 'Unknown'
  return u.nickname || u.username
}

export interface FriendSection {
  /** The category id, or null for friends in no (or an unknown) category. */
  id: number | null
  name: string
  friends: Friend[]
}

const RANK = { online: 0, away: 1, offline: 2 } as const

/**
 * Friends grouped by category for the list: categories in their position
 * order (empty ones too, so they can be managed), then "Friends" for the
 * rest. Within a section, online first, then away, then by name.
 */
export function groupFriends(
  friends: readonly Friend[],
  categories: readonly FriendCategory[],
  presence: PresenceMap = {},
): FriendSection[] {
  const ordered = categories.slice().sort((a, b) => a.position - b.position || a.id - b.id)
  const known = new Set(ordered.map((c) => c.id))
  const sections: FriendSection[] = ordered.map((c) => ({ id: c.id, name: c.name, friends: [] }))
  const rest: FriendSection = { id: null, name: 'Friends', friends: [] }
  for (const f of friends) {
    const i = f.category_id !== null && known.has(f.category_id) ? ordered.findIndex((c) => c.id === f.category_id) : -1
    ;(i >= 0 ? sections[i] : rest).friends.push(f)
  }
  const rank = (f: Friend) => RANK[presence[f.user.id]?.status ?? f.presence?.status ?? 'offline'] ?? 2
  for (const s of [...sections, rest]) {
    s.friends.sort(
      (a, b) => rank(a) - rank(b) || nameOf(a.user, a.remark).localeCompare(nameOf(b.user, b.remark)) || a.user.id - b.user.id,
    )
  }
  if (rest.friends.length > 0 || sections.length === 0) sections.push(rest)
  return sections
}

/**
 * The position patches that move a category one step up (-1) or down (+1):
 * the two neighbours swap places. Positions are renumbered 0..n-1 first, so
 * duplicate or sparse positions from the server still give a clean order.
 */
export function moveCategory(
  categories: readonly FriendCategory[],
  id: number,
  dir: -1 | 1,
): Array<{ id: number; position: number }> {
  const ordered = categories.slice().sort((a, b) => a.position - b.position || a.id - b.id)
  const i = ordered.findIndex((c) => c.id === id)
  const j = i + dir
  if (i < 0 || j < 0 || j >= ordered.length) return []
  ;[ordered[i], ordered[j]] = [ordered[j], ordered[i]]
  const patches: Array<{ id: number; position: number }> = []
  ordered.forEach((c, pos) => {
    if (c.position !== pos) patches.push({ id: c.id, position: pos })
  })
  return patches
}

/** Applies position patches locally (optimistic reorder). */
export function applyPositions(
  categories: readonly FriendCategory[],
  patches: ReadonlyArray<{ id: number; position: number }>,
): FriendCategory[] {
  const by = new Map(patches.map((p) => [p.id, p.position]))
  return categories
    .map((c) => (by.has(c.id) ? { ...c, position: by.get(c.id) as number } : c))
    .sort((a, b) => a.position - b.position || a.id - b.id)
}

export interface RequestBoxes {
  incoming: FriendRequest[]
  outgoing: FriendRequest[]
}

/** The badge on "Requests": incoming requests still waiting for me. */
export function incomingBadge(boxes: RequestBoxes): number {
  return boxes.incoming.filter((r) => r.status === 'pending').length
}

function upsert(list: readonly FriendRequest[], r: FriendRequest): FriendRequest[] {
  const rest = list.filter((x) => x.id !== r.id)
  return r.status === 'pending' ? [r, ...rest] : rest
}

function without(list: readonly FriendRequest[], pred: (r: FriendRequest) => boolean): FriendRequest[] {
  return list.filter((r) => !pred(r))
}

export type SendOutcome = 'sent' | 'friends'

/**
 * What sending a friend request did. A 201 is a pending request; a 200 (or a
 * request already accepted) means they had asked me first and we are friends
 * now: their request leaves my incoming box.
 */
export function applySendResult(
  boxes: RequestBoxes,
  r: FriendRequest,
  httpStatus: number,
): { boxes: RequestBoxes; outcome: SendOutcome } {
  const accepted = r.status === 'accepted' || (httpStatus === 200 && r.status !== 'pending')
  if (accepted) {
    // Whichever direction the stored request has, it is about the other person.
    const other = new Set([r.from.id, r.to.id])
    return {
      outcome: 'friends',
      boxes: {
        incoming: without(boxes.incoming, (x) => x.id === r.id || other.has(x.from.id)),
        outgoing: without(boxes.outgoing, (x) => x.id === r.id || other.has(x.to.id)),
      },
    }
  }
  return { outcome: 'sent', boxes: { incoming: boxes.incoming, outgoing: upsert(boxes.outgoing, r) } }
}

/**
 * A `friend_request` frame: a new request to me, or news about one I sent
 * (accepted, rejected) or received (canceled by the sender).
 */
export function applyRequestFrame(boxes: RequestBoxes, r: FriendRequest, myUserId: number | null): RequestBoxes {
  if (!r || typeof r.id !== 'number' || !r.from || !r.to) return boxes
  if (myUserId !== null && r.from.id === myUserId) return { incoming: boxes.incoming, outgoing: upsert(boxes.outgoing, r) }
  return { incoming: upsert(boxes.incoming, r), outgoing: boxes.outgoing }
}

/** After I accepted, rejected or canceled a request. */
export function removeRequest(boxes: RequestBoxes, id: number): RequestBoxes {
  return { incoming: without(boxes.incoming, (r) => r.id === id), outgoing: without(boxes.outgoing, (r) => r.id === id) }
}

/** Whether a request is new to me (for a desktop notification): pending, to me, not seen before. */
export function isNewIncoming(boxes: RequestBoxes, r: FriendRequest, myUserId: number | null): boolean {
  return r.status === 'pending' && (myUserId === null || r.to.id === myUserId) && !boxes.incoming.some((x) => x.id === r.id)
}

/** How a search result relates to me, to label its button. */
export function relationOf(
  userId: number,
  friends: readonly Friend[],
  boxes: RequestBoxes,
): 'friend' | 'requested' | 'requested_me' | 'none' {
  if (friends.some((f) => f.user.id === userId)) return 'friend'
  if (boxes.outgoing.some((r) => r.to.id === userId && r.status === 'pending')) return 'requested'
  if (boxes.incoming.some((r) => r.from.id === userId && r.status === 'pending')) return 'requested_me'
  return 'none'
}

/**
 * The friends whose name, @username or remark contains q (any case),
 * sorted by the name shown; all of them for an empty q.
 */
export function matchFriends(friends: readonly Friend[], q: string): Friend[] {
  const term = q.trim().toLocaleLowerCase()
  const hay = (f: Friend) => [nameOf(f.user, f.remark), f.user.username, f.user.nickname].join('\n').toLocaleLowerCase()
  return friends
    .filter((f) => !term || hay(f).includes(term))
    .sort((a, b) => nameOf(a.user, a.remark).localeCompare(nameOf(b.user, b.remark)))
}
