import { describe, expect, it } from 'vitest'
import { alertForMessage, loadMuted, notificationBody, saveMuted, titleWithUnread } from './alerts'
import { msg } from './testing'
import { memoryStore } from './types'

describe('titleWithUnread', () => {
  it('prefixes the count', () => {
    expect(titleWithUnread('Parley console', 0)).toBe('Parley console')
    expect(titleWithUnread('Parley console', 3)).toBe('(3) Parley console')
    expect(titleWithUnread('Parley console', 250)).toBe('(99+) Parley console')
  })
})

describe('alertForMessage', () => {
  const support = new Set([7])
  const visitor = msg(3, { conversation_id: 7, sender: { kind: 'visitor', id: 1, name: 'V' } })
  const ctx = { myUserId: 5, viewing: null, pageVisible: true }

  it('alerts for a visitor message in a support conversation', () => {
    expect(alertForMessage(visitor, support, ctx)).toBe(true)
  })

  it('not for agents, other conversations, or the one on screen', () => {
    expect(alertForMessage(msg(3, { conversation_id: 7 }), support, ctx)).toBe(false)
    expect(alertForMessage({ ...visitor, conversation_id: 8 }, support, ctx)).toBe(false)
    expect(alertForMessage(visitor, support, { ...ctx, viewing: 7 })).toBe(false)
    // On screen but the tab is hidden: alert.
    expect(alertForMessage(visitor, support, { ...ctx, viewing: 7, pageVisible: false })).toBe(true)
  })

  it('not for a conversation that must stay quiet (muted, or quiet hours)', () => {
    const quiet = (id: number) => id === 7
    expect(alertForMessage(visitor, support, { ...ctx, quiet })).toBe(false)
    expect(alertForMessage(visitor, new Set([7, 8]), { ...ctx, quiet: (id) => id === 8 })).toBe(true)
  })
})

describe('mute', () => {
  it('is kept in storage', () => {
    const s = memoryStore()
    expect(loadMuted(s)).toBe(false)
    saveMuted(s, true)
    expect(loadMuted(s)).toBe(true)
    saveMuted(s, false)
    expect(loadMuted(s)).toBe(false)
  })
})

describe('notificationBody', () => {
  it('describes media and trims long text', () => {
    expect(notificationBody(msg(1, { kind: 'image', body: '', attachment: { id: 1, kind: 'image', mime: 'image/png', size: 1, name: 'a', url: 'u', url_expires_at: '2025-01-01T12:00:00Z' } }))).toBe(
      'Sent an image',
    )
    expect(notificationBody(msg(1, { body: 'x'.repeat(200) }))).toHaveLength(140)
    expect(notificationBody(msg(1, { body: ' hello\n there ' }))).toBe('hello there')
  })
})

describe('red packet notifications', () => {
  it('names the red packet and its greeting', () => {
    expect(notificationBody(msg(1, { kind: 'red_packet', body: 'Happy new year' }))).toBe('Sent a red packet: Happy new year')
  })
})
