import { beforeAll, describe, expect, it } from 'vitest'
import { loadLocale, setLocale } from './i18n'
import {
  seenUnderLast,
  applyRecall,
  canRecall,
  highestSeq,
  isNote,
  isSystemMessage,
  leavesGap,
  lowestSeq,
  mergeMessages,
  messageLook,
  systemText,
  missingRanges,
  previewOf,
} from './messages'
import { msg } from './testing'

const seqs = (list: { seq: number }[]) => list.map((m) => m.seq)

describe('mergeMessages', () => {
  it('appends newer messages in order', () => {
    expect(seqs(mergeMessages([msg(1), msg(2)], [msg(3), msg(4)]))).toEqual([1, 2, 3, 4])
  })

  it('sorts out-of-order input by seq and dedupes', () => {
    const out = mergeMessages([msg(2), msg(5)], [msg(4), msg(1), msg(5), msg(3), msg(4)])
    expect(seqs(out)).toEqual([1, 2, 3, 4, 5])
  })

  it('prepends an older page', () => {
    expect(seqs(mergeMessages([msg(51), msg(52)], [msg(49), msg(50)]))).toEqual([49, 50, 51, 52])
  })

  it('lets a newer copy replace the held one', () => {
    const out = mergeMessages([msg(1, { body: 'old' })], [msg(1, { body: 'new' })])
    expect(out).toHaveLength(1)
    expect(out[0].body).toBe('new')
  })

  it('never undoes a recall with a stale copy', () => {
    const recalled = msg(3, { body: '', recalled_at: '2025-01-01T12:01:00Z' })
    const out = mergeMessages([msg(2), recalled], [msg(3, { body: 'stale' })])
    expect(out[1].recalled_at).toBe('2025-01-01T12:01:00Z')
    expect(out[1].body).toBe('')
  })

  it('does not mutate its inputs', () => {
    const held = [msg(2)]
    const incoming = [msg(1)]
    mergeMessages(held, incoming)
    expect(seqs(held)).toEqual([2])
    expect(seqs(incoming)).toEqual([1])
  })

  it('returns a copy when nothing comes in', () => {
    const held = [msg(1)]
    const out = mergeMessages(held, [])
    expect(out).toEqual(held)
    expect(out).not.toBe(held)
  })
})

describe('seq helpers', () => {
  it('reads the bounds of a list', () => {
    expect(highestSeq([])).toBe(0)
    expect(lowestSeq([])).toBe(0)
    expect(highestSeq([msg(3), msg(9)])).toBe(9)
    expect(lowestSeq([msg(3), msg(9)])).toBe(3)
  })

  it('finds holes inside the list and up to last_seq', () => {
    expect(missingRanges([msg(1), msg(2), msg(5), msg(6), msg(9)], 12)).toEqual([
      [3, 4],
      [7, 8],
      [10, 12],
    ])
    expect(missingRanges([msg(1), msg(2), msg(3)])).toEqual([])
    expect(missingRanges([], 5)).toEqual([])
  })

  it('detects a gap left by a live message', () => {
    expect(leavesGap([msg(1), msg(2)], msg(3))).toBe(false)
    expect(leavesGap([msg(1), msg(2)], msg(5))).toBe(true)
    expect(leavesGap([msg(1), msg(2)], msg(2))).toBe(false)
    expect(leavesGap([], msg(40))).toBe(false)
  })
})

describe('recall', () => {
  it('turns the message into a tombstone', () => {
    const out = applyRecall([msg(1), msg(2)], 2, '2025-01-01T12:00:30Z')
    expect(out[1]).toMatchObject({ seq: 2, body: '', recalled_at: '2025-01-01T12:00:30Z' })
    expect(out[0].body).toBe('message 1')
  })

  it('returns the same list when nothing changes', () => {
    const held = [msg(1)]
    expect(applyRecall(held, 9, 'x')).toBe(held)
  })

  it('allows only the sender, within two minutes', () => {
    const m = msg(1, { sender: { kind: 'user', id: 5, name: 'Me' }, created_at: '2025-01-01T12:00:00Z' })
    const t0 = Date.parse('2025-01-01T12:00:00Z')
    expect(canRecall(m, 5, t0 + 60_000)).toBe(true)
    expect(canRecall(m, 5, t0 + 121_000)).toBe(false)
    expect(canRecall(m, 6, t0 + 1000)).toBe(false)
    expect(canRecall(m, null, t0 + 1000)).toBe(false)
    expect(canRecall({ ...m, recalled_at: '2025-01-01T12:00:10Z' }, 5, t0 + 20_000)).toBe(false)
    expect(canRecall({ ...m, sender: { kind: 'visitor', id: 5, name: 'V' } }, 5, t0 + 1000)).toBe(false)
  })
})

describe('previewOf', () => {
  it('summarises messages for the list', () => {
    expect(previewOf(null)).toBe('')
    expect(previewOf(msg(1, { body: 'hi\n  there ' }))).toBe('hi there')
    expect(previewOf(msg(1, { kind: 'image', body: '' }))).toBe('[Image]')
    expect(previewOf(msg(1, { recalled_at: 'x' }))).toBe('Message recalled')
  })
})

describe('isSystemMessage', () => {
  it('draws server notices as lines, everything else as bubbles', () => {
    expect(isSystemMessage(msg(1, { kind: 'system', sender: { kind: 'system', id: 0, name: 'Parley' } }))).toBe(true)
    // Either marker is enough.
    expect(isSystemMessage(msg(2, { kind: 'system' }))).toBe(true)
    expect(isSystemMessage(msg(3, { sender: { kind: 'system', id: 0, name: '' } }))).toBe(true)
    expect(isSystemMessage(msg(4))).toBe(false)
    expect(isSystemMessage(msg(5, { kind: 'image' }))).toBe(false)
    // A site's automated reply is a bubble of the site's.
    expect(isSystemMessage(msg(6, { kind: 'text', automated: true, sender: { kind: 'system', id: 1, name: 'Acme' } }))).toBe(false)
    expect(isSystemMessage(undefined)).toBe(false)
  })
})

describe('messageLook (note vs reply rendering)', () => {
  it('draws notes apart, whoever wrote them', () => {
    expect(messageLook(msg(1, { kind: 'note', sender: { kind: 'user', id: 5, name: 'Me' } }), 5)).toBe('note')
    expect(messageLook(msg(1, { kind: 'note', sender: { kind: 'user', id: 6, name: 'Ann' } }), 5)).toBe('note')
    expect(isNote(msg(1, { kind: 'note' }))).toBe(true)
  })

  it('tells my replies, visitors, others and system lines apart', () => {
    expect(messageLook(msg(1, { sender: { kind: 'user', id: 5, name: 'Me' } }), 5)).toBe('own')
    expect(messageLook(msg(1, { sender: { kind: 'visitor', id: 5, name: 'V' } }), 5)).toBe('visitor')
    expect(messageLook(msg(1, { sender: { kind: 'user', id: 6, name: 'Ann' } }), 5)).toBe('other')
    expect(messageLook(msg(1, { kind: 'system', sender: { kind: 'system', id: 0, name: '' } }), 5)).toBe('system')
  })

  it('previews notes as notes', () => {
    expect(previewOf(msg(1, { kind: 'note', body: 'call back\nlater' }))).toBe('Note: call back later')
  })
})

describe('seenUnderLast', () => {
  it('marks my last message once the visitor read it, never a note', () => {
    const mine = { kind: 'user' as const, id: 2, name: 'Bob' }
    expect(seenUnderLast([msg(1), msg(2)], 2, 2)).toBe(true)
    expect(seenUnderLast([msg(1), msg(2)], 2, 1)).toBe(false)
    expect(seenUnderLast([msg(1), msg(2, { kind: 'note', sender: mine })], 2, 2)).toBe(false)
    expect(seenUnderLast([msg(1), msg(2, { sender: { kind: 'visitor', id: 9, name: 'V' } })], 2, 2)).toBe(false)
    expect(seenUnderLast([], 2, 2)).toBe(false)
  })
})

describe('systemText', () => {
  beforeAll(() => loadLocale('zh-CN'))

  const join = {
    body: 'Bob joined the group',
    event: { type: 'member_joined' as const, actor: { id: 7, name: 'Bob' } },
  }

  it('words a structured event in each language', () => {
    expect(systemText(join, 'en')).toBe('Bob joined the group')
    expect(systemText(join, 'zh-CN')).toBe('Bob 加入了群组')
    const link = { ...join, event: { ...join.event, via: 'invite_link' as const } }
    expect(systemText(link, 'zh-CN')).toBe('Bob 通过邀请链接加入了群组')
    const approved = { ...join, event: { ...join.event, via: 'approval' as const, by: { id: 1, name: 'Ann' } } }
    expect(systemText(approved, 'en')).toBe('Bob joined the group, approved by Ann')
    const handed = { body: '', event: { type: 'handed_to_agent' as const, actor: { id: 3, name: 'Robo' } } }
    expect(systemText(handed, 'zh-CN')).toBe('Robo 已将对话转交人工客服')
    const asked = { body: '', event: { type: 'handed_to_agent' as const, via: 'visitor' as const } }
    expect(systemText(asked, 'en')).toBe('The visitor asked for a person: the conversation goes to an agent')
    const moved = { body: '', event: { type: 'transferred_to_queue' as const, actor: { id: 1, name: 'Ann' }, name: 'Sales' } }
    expect(systemText(moved, 'zh-CN')).toBe('Ann 将对话转到了 Sales 队列')
  })

  it('shows the stored text of messages without an event', () => {
    expect(systemText({ body: 'Ann created the group "Tea"' }, 'zh-CN')).toBe('Ann created the group "Tea"')
  })

  it('falls back to the body for an event type it does not know', () => {
    const future = { body: 'Something new happened', event: { type: 'from_the_future' } }
    expect(systemText(future as never, 'zh-CN')).toBe('Something new happened')
  })

  it('previews a system message in the current language', async () => {
    await setLocale('zh-CN')
    try {
      expect(previewOf({ ...join, id: 1, conversation_id: 1, seq: 1, client_msg_id: 's', kind: 'system', sender: { kind: 'system', id: 0, name: 'Parley' }, created_at: '2026-01-01T00:00:00Z' } as never)).toBe('Bob 加入了群组')
    } finally {
      await setLocale('en')
    }
  })
})
