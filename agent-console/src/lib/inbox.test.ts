import { describe, expect, it } from 'vitest'
import {
  actionsFor,
  applyConversationFrame,
  applyInboxMessage,
  browserOf,
  emptyText,
  filtersFromQuery,
  filtersToQuery,
  hasFilters,
  inboxCounts,
  inboxQuery,
  inboxList,
  MAX_SEARCH,
  mergeInbox,
  needsServer,
  neighbour,
  NO_FILTERS,
  resultRows,
  statusLabel,
  type InboxItems,
} from './inbox'
import { msg } from './testing'
import type { SupportConversation } from './types'

const ME = 5

function sc(id: number, over: Partial<SupportConversation> = {}): SupportConversation {
  return {
    id,
    kind: 'support',
    team: null,
    title: `Visitor #${id}`,
    status: 'queued',
    site_id: 1,
    queue_id: 1,
    queue_name: 'Support',
    assignee: null,
    last_seq: 0,
    last_message: null,
    rating: null,
    created_at: new Date(Date.UTC(2025, 0, 1, 10, 0, id)).toISOString(),
    assigned_at: null,
    resolved_at: null,
    ...over,
  }
}

const mine = (id: number, over: Partial<SupportConversation> = {}) =>
  sc(id, { status: 'assigned', assignee: { id: ME, name: 'Me' }, ...over })

const ids = (rows: { id: number }[]) => rows.map((r) => r.id)

describe('inbox views', () => {
  const items = mergeInbox({}, [
    sc(1, { queue_position: 2 }),
    sc(2, { queue_position: 1 }),
    mine(3),
    sc(4, { status: 'assigned', assignee: { id: 99, name: 'Other' } }),
    mine(5, { status: 'resolved' }),
  ])

  it('splits into mine, waiting and all with counts', () => {
    expect(ids(inboxList(items, 'mine', ME))).toEqual([3])
    expect(ids(inboxList(items, 'queued', ME))).toEqual([2, 1])
    expect(ids(inboxList(items, 'all', ME)).sort()).toEqual([1, 2, 3, 4, 5])
    expect(inboxCounts(items, ME)).toEqual({ mine: 1, queued: 2, all: 5 })
  })

  it('filters by status', () => {
    expect(ids(inboxList(items, 'all', ME, 'assigned')).sort()).toEqual([3, 4])
    expect(ids(inboxList(items, 'mine', ME, 'resolved'))).toEqual([5])
    expect(ids(inboxList(items, 'queued', ME, 'resolved'))).toEqual([])
  })

  it('orders the others by latest activity', () => {
    const a = mine(10, { last_message: msg(1, { conversation_id: 10, created_at: '2025-01-01T12:00:00Z' }) })
    const b = mine(11, { last_message: msg(1, { conversation_id: 11, created_at: '2025-01-01T13:00:00Z' }) })
    expect(ids(inboxList(mergeInbox({}, [a, b]), 'mine', ME))).toEqual([11, 10])
  })
})

describe('conversation frames', () => {
  it('a conversation assigned to me appears in Mine, and says so once', () => {
    let items: InboxItems = mergeInbox({}, [sc(7)])
    expect(ids(inboxList(items, 'mine', ME))).toEqual([])
    const out = applyConversationFrame(items, { event: 'assigned', conversation: mine(7) }, ME)!
    items = out.items
    expect(out.assignedToMe).toBe(true)
    expect(ids(inboxList(items, 'mine', ME))).toEqual([7])
    expect(ids(inboxList(items, 'queued', ME))).toEqual([])
    // A repeat (e.g. rated) is no new assignment.
    expect(applyConversationFrame(items, { event: 'rated', conversation: mine(7) }, ME)!.assignedToMe).toBe(false)
  })

  it('a brand-new conversation assigned to me is added', () => {
    const out = applyConversationFrame({}, { event: 'assigned', conversation: mine(8) }, ME)!
    expect(out.assignedToMe).toBe(true)
    expect(ids(inboxList(out.items, 'mine', ME))).toEqual([8])
  })

  it('a conversation opened with its bot shows in All and under the bot filter, not in Mine', () => {
    const out = applyConversationFrame({}, { event: 'opened', conversation: sc(9, { status: 'bot' }) }, ME)!
    expect(out.assignedToMe).toBe(false)
    expect(ids(inboxList(out.items, 'all', ME))).toEqual([9])
    expect(ids(inboxList(out.items, 'all', ME, 'bot'))).toEqual([9])
    expect(ids(inboxList(out.items, 'mine', ME))).toEqual([])
    // Handed off to me, it becomes mine.
    const handed = applyConversationFrame(out.items, { event: 'assigned', conversation: mine(9) }, ME)!
    expect(handed.assignedToMe).toBe(true)
    expect(ids(inboxList(handed.items, 'all', ME, 'bot'))).toEqual([])
  })

  it('resolved leaves Mine', () => {
    const items = mergeInbox({}, [mine(7)])
    const out = applyConversationFrame(items, { event: 'resolved', conversation: mine(7, { status: 'resolved' }) }, ME)!
    expect(out.assignedToMe).toBe(false)
    expect(ids(inboxList(out.items, 'mine', ME))).toEqual([])
    expect(ids(inboxList(out.items, 'all', ME, 'resolved'))).toEqual([7])
  })

  it('transferred away leaves Mine; transferred to someone else is not mine', () => {
    const items = mergeInbox({}, [mine(7)])
    const out = applyConversationFrame(
      items,
      { event: 'transferred', conversation: sc(7, { status: 'assigned', assignee: { id: 6, name: 'Ann' } }) },
      ME,
    )!
    expect(out.assignedToMe).toBe(false)
    expect(ids(inboxList(out.items, 'mine', ME))).toEqual([])
  })

  it('queue positions update the waiting order', () => {
    let items = mergeInbox({}, [sc(1, { queue_position: 1 }), sc(2, { queue_position: 2 })])
    items = applyConversationFrame(items, { event: 'position', conversation: sc(1, { queue_position: 3 }) }, ME)!.items
    expect(ids(inboxList(items, 'queued', ME))).toEqual([2, 1])
  })

  it('ignores frames about other kinds of conversation', () => {
    expect(applyConversationFrame({}, { conversation: { id: 3, kind: 'group' } }, ME)).toBeNull()
    expect(applyConversationFrame({}, {}, ME)).toBeNull()
  })

  it('keeps a newer last message than the frame carries', () => {
    const items = mergeInbox({}, [mine(7, { last_seq: 4, last_message: msg(4, { conversation_id: 7 }) })])
    const out = applyConversationFrame(items, { conversation: mine(7, { last_seq: 3, last_message: msg(3, { conversation_id: 7 }) }) }, ME)!
    expect(out.items[7].last_message?.seq).toBe(4)
  })
})

describe('live messages', () => {
  it('refresh the preview, never with an older one', () => {
    let items = mergeInbox({}, [mine(7)])
    items = applyInboxMessage(items, msg(2, { conversation_id: 7, body: 'hi' }))!
    expect(items[7].last_message?.body).toBe('hi')
    expect(items[7].last_seq).toBe(2)
    expect(applyInboxMessage(items, msg(1, { conversation_id: 7 }))).toBe(items)
    expect(applyInboxMessage(items, msg(1, { conversation_id: 99 }))).toBeNull()
  })
})

describe('neighbour', () => {
  const rows = [{ id: 1 }, { id: 2 }, { id: 3 }]
  it('moves and stops at the ends', () => {
    expect(neighbour(rows, 2, 1)).toBe(3)
    expect(neighbour(rows, 3, 1)).toBe(3)
    expect(neighbour(rows, 1, -1)).toBe(1)
    expect(neighbour(rows, null, 1)).toBe(1)
    expect(neighbour(rows, null, -1)).toBe(3)
    expect(neighbour(rows, 42, 1)).toBe(1)
    expect(neighbour([], 1, 1)).toBeNull()
  })
})

describe('actions and labels', () => {
  it('offers what fits the status', () => {
    expect(actionsFor(sc(1), ME)).toEqual({ claim: true, takeover: false, transfer: true, resolve: true, reopen: false })
    expect(actionsFor(mine(1), ME)).toEqual({ claim: false, takeover: false, transfer: true, resolve: true, reopen: false })
    expect(actionsFor(mine(1, { status: 'resolved' }), ME)).toEqual({ claim: false, takeover: false, transfer: false, resolve: false, reopen: true })
    const held = sc(1, { status: 'assigned', assignee: { id: 9, name: 'X' } })
    expect(actionsFor(held, ME)).toMatchObject({ claim: false, takeover: false })
    expect(actionsFor(held, ME, true)).toMatchObject({ claim: false, takeover: true })
    expect(actionsFor(mine(1), ME, true).takeover).toBe(false)
  })

  it('labels the status', () => {
    expect(statusLabel(sc(1, { queue_position: 3 }))).toBe('Waiting · #3')
    expect(statusLabel(mine(1))).toBe('With Me')
    expect(statusLabel(mine(1, { status: 'resolved' }))).toBe('Resolved')
  })
})

describe('browserOf', () => {
  it('names common browsers and systems', () => {
    expect(
      browserOf('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'),
    ).toBe('Chrome 131 on Linux')
    expect(browserOf('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0')).toBe('Firefox 133 on Windows')
    expect(
      browserOf(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      ),
    ).toBe('Safari 17 on iOS')
    expect(
      browserOf('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0'),
    ).toBe('Edge 131 on Windows')
    expect(browserOf('')).toBe('')
    expect(browserOf('curl/8.0')).toBe('curl/8.0')
  })
})

describe('inbox filters', () => {
  it('read from and write to the URL query', () => {
    const f = filtersFromQuery({ q: 'parcel', status: 'resolved', queue: '4', site: ['2'] })
    expect(f).toEqual({ q: 'parcel', status: 'resolved', queue: 4, site: 2, label: null, team: null })
    expect(filtersToQuery(f)).toEqual({ q: 'parcel', status: 'resolved', queue: '4', site: '2' })
    expect(filtersFromQuery({ status: 'lost', queue: '-1', site: 'x' })).toEqual(NO_FILTERS)
    expect(filtersToQuery({ ...NO_FILTERS, q: '   ' })).toEqual({})
    expect(filtersFromQuery({ q: 'a'.repeat(300) }).q).toHaveLength(MAX_SEARCH)
  })
  it('go to the server for search, queue and site, not for a status alone', () => {
    expect(needsServer(NO_FILTERS)).toBe(false)
    expect(needsServer({ ...NO_FILTERS, status: 'queued' })).toBe(false)
    expect(needsServer({ ...NO_FILTERS, q: ' x ' })).toBe(true)
    expect(needsServer({ ...NO_FILTERS, site: 3 })).toBe(true)
    expect(hasFilters({ ...NO_FILTERS, status: 'queued' })).toBe(true)
    expect(hasFilters(NO_FILTERS)).toBe(false)
  })
  it('build the list query with the text encoded', () => {
    const q = inboxQuery('all', { q: " 50% off & 'x' ", status: 'assigned', queue: 4, site: 2, label: 7, team: null }, 50)
    const p = new URLSearchParams(q)
    expect(p.get('view')).toBe('all')
    expect(p.get('q')).toBe("50% off & 'x'")
    expect(p.get('status')).toBe('assigned')
    expect(p.get('queue_id')).toBe('4')
    expect(p.get('site_id')).toBe('2')
    expect(p.get('limit')).toBe('50')
    expect(new URLSearchParams(inboxQuery('mine', NO_FILTERS)).has('q')).toBe(false)
  })
  it("ask for a team's view when a team is chosen, and keep it in the URL", () => {
    const p = new URLSearchParams(inboxQuery('mine', { ...NO_FILTERS, team: 9 }))
    expect(p.get('view')).toBe('team')
    expect(p.get('team_id')).toBe('9')
    expect(needsServer({ ...NO_FILTERS, team: 9 })).toBe(true)
    expect(filtersToQuery({ ...NO_FILTERS, team: 9 })).toEqual({ team: '9' })
    expect(filtersFromQuery({ team: '9' }).team).toBe(9)
    expect(filtersFromQuery({ team: 'x' }).team).toBeNull()
    expect(emptyText('mine', { ...NO_FILTERS, team: 9 }, 'online')).toBe('Nothing with this team now.')
  })
  it('keep the server order with the held copies', () => {
    const a = sc(1)
    const b = sc(2)
    expect(resultRows({ 1: a, 2: b }, [2, 1, 3]).map((c) => c.id)).toEqual([2, 1])
  })
  it('say why the list is empty', () => {
    expect(emptyText('all', { ...NO_FILTERS, q: 'zebra' }, 'online')).toBe('No conversations match “zebra”.')
    expect(emptyText('all', { ...NO_FILTERS, site: 1 }, 'online')).toBe('No conversations match these filters.')
    expect(emptyText('mine', NO_FILTERS, 'offline')).toBe('Go online to get conversations.')
  })
})
