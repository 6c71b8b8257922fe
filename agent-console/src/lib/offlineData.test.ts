import { describe, expect, it } from 'vitest'
import { isOfflineReadable, overflow } from './offlineData'

const u = (path: string) => new URL(path, 'http://parley.test')

describe('isOfflineReadable', () => {
  it('keeps who I am, the conversation list and each latest page of messages', () => {
    for (const p of ['/api/v1/me', '/api/v1/setup', '/api/v1/conversations', '/api/v1/conversations?limit=100', '/api/v1/conversations/4/messages?limit=50']) {
      expect(isOfflineReadable(u(p)), p).toBe(true)
    }
  })

  it('does not keep older pages, catch-ups or anything else', () => {
    for (const p of [
      '/api/v1/conversations/4/messages?before_seq=10&limit=50',
      '/api/v1/conversations/4/messages?after_seq=10&limit=50',
      '/api/v1/conversations/4',
      '/api/v1/media/3',
      '/api/v1/wallet',
      '/api/v1/realtime/ticket',
    ]) {
      expect(isOfflineReadable(u(p)), p).toBe(false)
    }
  })
})

describe('overflow', () => {
  it('drops the oldest message pages beyond the limit and keeps everything else', () => {
    const urls = [
      'http://h/api/v1/me',
      'http://h/api/v1/conversations/1/messages?limit=50',
      'http://h/api/v1/conversations',
      'http://h/api/v1/conversations/2/messages?limit=50',
      'http://h/api/v1/conversations/3/messages?limit=50',
    ]
    expect(overflow(urls, 2)).toEqual(['http://h/api/v1/conversations/1/messages?limit=50'])
    expect(overflow(urls, 3)).toEqual([])
    expect(overflow(urls, 0)).toHaveLength(3)
  })
})
