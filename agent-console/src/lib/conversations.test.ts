import { describe, expect, it } from 'vitest'
import { applyMessage, applyRead, personalChats, sortByActivity, titleOf } from './conversations'
import { conv, msg } from './testing'

const ctx = { myUserId: 1, viewing: null as number | null }

describe('applyMessage', () => {
  it('updates preview, last_seq and unread, and moves the chat to the top', () => {
    const list = [conv(9, { last_message: msg(1, { conversation_id: 9 }), last_seq: 1 }), conv(7, { last_seq: 4 })]
    const out = applyMessage(list, msg(5, { conversation_id: 7 }), ctx)!
    expect(out.map((c) => c.id)).toEqual([7, 9])
    expect(out[0]).toMatchObject({ last_seq: 5, unread: 1 })
    expect(out[0].last_message?.seq).toBe(5)
  })

  it('does not count own messages as unread and marks them read', () => {
    const list = [conv(7, { last_seq: 4, read_seq: 2, unread: 2 })]
    const own = msg(5, { sender: { kind: 'user', id: 1, name: 'Me' } })
    expect(applyMessage(list, own, ctx)![0]).toMatchObject({ unread: 0, read_seq: 5 })
  })

  it('does not count messages in the chat being viewed', () => {
    const list = [conv(7, { last_seq: 4 })]
    expect(applyMessage(list, msg(5), { myUserId: 1, viewing: 7 })![0].unread).toBe(0)
  })

  it('does not count the same message twice', () => {
    let list = [conv(7, { last_seq: 4 })]
    list = applyMessage(list, msg(5), ctx)!
    list = applyMessage(list, msg(5), ctx)!
    expect(list[0].unread).toBe(1)
    list = applyMessage(list, msg(3), ctx)!
    expect(list[0]).toMatchObject({ unread: 1, last_seq: 5 })
    expect(list[0].last_message?.seq).toBe(5)
  })

  it('returns null for an unknown conversation', () => {
    expect(applyMessage([conv(1)], msg(1, { conversation_id: 2 }), ctx)).toBeNull()
  })
})

describe('applyRead', () => {
  it('moves read_seq forward only and recomputes unread', () => {
    const list = [conv(7, { last_seq: 10, read_seq: 4, unread: 6 })]
    expect(applyRead(list, 7, 8)[0]).toMatchObject({ read_seq: 8, unread: 2 })
    expect(applyRead(list, 7, 3)[0]).toMatchObject({ read_seq: 4, unread: 6 })
  })
})

describe('ordering and titles', () => {
  it('sorts by latest activity, chats without messages last', () => {
    const list = [
      conv(1),
      conv(2, { last_message: msg(1, { created_at: '2025-01-02T00:00:00Z' }) }),
      conv(3, { last_message: msg(1, { created_at: '2025-01-03T00:00:00Z' }) }),
    ]
    expect(sortByActivity(list).map((c) => c.id)).toEqual([3, 2, 1])
  })

  it('falls back to the peer name', () => {
    expect(titleOf(conv(1, { title: 'Team' }))).toBe('Team')
    expect(titleOf(conv(1, { title: '', peer: { id: 2, username: 'bob', nickname: '', avatar_url: '' } }))).toBe('bob')
  })
})

describe('personalChats', () => {
  it('keeps direct and group conversations and leaves support ones to the Inbox', () => {
    const list = [conv(1), conv(2, { kind: 'support' }), conv(3, { kind: 'group' })]
    expect(personalChats(list).map((c) => c.id)).toEqual([1, 3])
  })
})
