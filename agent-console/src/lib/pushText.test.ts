import { describe, expect, it } from 'vitest'
import { consolePath, isShowing, notificationFor, parsePush, type PushMessage } from './pushText'

const push = (over: Partial<PushMessage> = {}): PushMessage => ({
  type: 'message',
  conversation_id: 7,
  seq: 12,
  kind: 'text',
  sender_name: 'Alice',
  conversation_name: '',
  preview: 'See you at noon',
  url: '/#/chats/7',
  unread: 1,
  ...over,
})

describe('parsePush', () => {
  it('reads a message payload and refuses anything else', () => {
    expect(parsePush({ ...push(), extra: true })).toEqual(push())
    expect(parsePush({ type: 'message', conversation_id: 3 })).toMatchObject({ conversation_id: 3, kind: 'text', preview: '', unread: 0 })
    expect(parsePush(null)).toBeNull()
    expect(parsePush('hello')).toBeNull()
    expect(parsePush({ type: 'other', conversation_id: 3 })).toBeNull()
    expect(parsePush({ type: 'message', conversation_id: '3' })).toBeNull()
    expect(parsePush({ type: 'message', conversation_id: 0 })).toBeNull()
  })
})

describe('notificationFor', () => {
  const cases: Array<{ name: string; p: PushMessage; en: [string, string]; zh: [string, string] }> = [
    { name: 'direct text', p: push(), en: ['Alice', 'See you at noon'], zh: ['Alice', 'See you at noon'] },
    {
      name: 'group text names the group and the sender',
      p: push({ conversation_name: 'Team', url: '/#/chats/7' }),
      en: ['Team', 'Alice: See you at noon'],
      zh: ['Team', 'Alice：See you at noon'],
    },
    {
      name: 'several unread',
      p: push({ unread: 3 }),
      en: ['Alice (3 new)', 'See you at noon'],
      zh: ['Alice（3 条新消息）', 'See you at noon'],
    },
    { name: 'image', p: push({ kind: 'image', preview: '' }), en: ['Alice', 'Sent an image'], zh: ['Alice', '发来一张图片'] },
    { name: 'voice', p: push({ kind: 'voice', preview: '' }), en: ['Alice', 'Sent a voice message'], zh: ['Alice', '发来一条语音'] },
    { name: 'file', p: push({ kind: 'file', preview: '' }), en: ['Alice', 'Sent a file'], zh: ['Alice', '发来一个文件'] },
    {
      name: 'red packet in a group',
      p: push({ kind: 'red_packet', preview: '', conversation_name: 'Family' }),
      en: ['Family', 'Alice: Sent a red packet'],
      zh: ['Family', 'Alice：发来一个红包'],
    },
    { name: 'unknown kind', p: push({ kind: 'sticker', preview: '' }), en: ['Alice', 'New message'], zh: ['Alice', '新消息'] },
    { name: 'no sender name', p: push({ sender_name: '' }), en: ['New message', 'See you at noon'], zh: ['新消息', 'See you at noon'] },
  ]
  for (const c of cases) {
    it(c.name, () => {
      const en = notificationFor(c.p, 'en')
      expect([en.title, en.body]).toEqual(c.en)
      const zh = notificationFor(c.p, 'zh-CN')
      expect([zh.title, zh.body]).toEqual(c.zh)
    })
  }

  it('tags by conversation so a newer notification replaces the older', () => {
    expect(notificationFor(push({ seq: 1 }), 'en').tag).toBe(notificationFor(push({ seq: 2 }), 'en').tag)
    expect(notificationFor(push({ conversation_id: 8 }), 'en').tag).not.toBe(notificationFor(push(), 'en').tag)
  })

  it('shortens a long text', () => {
    const body = notificationFor(push({ preview: 'x'.repeat(500) }), 'en').body
    expect(body.length).toBe(200)
    expect(body.endsWith('…')).toBe(true)
  })
})

describe('consolePath', () => {
  it('opens the console route the server names, and nothing outside the console', () => {
    expect(consolePath(push({ url: '/#/chats/7' }))).toBe('/console/#/chats/7')
    expect(consolePath(push({ url: '/#/inbox/9' }))).toBe('/console/#/inbox/9')
    expect(consolePath(push({ url: '/console/#/inbox/9' }))).toBe('/console/#/inbox/9')
    expect(consolePath(push({ url: 'https://evil.example/#/chats/7' }))).toBe('/console/#/chats/7')
    expect(consolePath(push({ url: '/#/admin/users' }))).toBe('/console/#/chats/7')
    expect(consolePath(push({ url: '' }))).toBe('/console/#/chats/7')
  })
})

describe('isShowing', () => {
  it('matches a console window on that conversation only', () => {
    expect(isShowing('http://h/console/#/chats/7', push())).toBe(true)
    expect(isShowing('http://h/console/#/inbox/7', push())).toBe(true)
    expect(isShowing('http://h/console/#/chats/70', push())).toBe(false)
    expect(isShowing('http://h/console/#/chats', push())).toBe(false)
    expect(isShowing('http://h/demo#/chats/7', push())).toBe(false)
    expect(isShowing('not a url', push())).toBe(false)
  })
})
