import { describe, expect, it, vi } from 'vitest'
import { ApiError } from './api'
import { DeviceStore, fatalMessage, openSession } from './session'
import type { Session } from './types'

const init = { type: 'parley:init' as const, siteKey: 'pk_1', pageUrl: 'https://shop.test/a', referrer: 'https://r.test/', locale: 'en', open: false }

const session: Session = {
  visitor_token: 'vt_1',
  visitor: { id: 1, name: '', email: '', identified: false },
  site: { name: 'Shop', color: '#123456', greeting: '', away_message: '', online: true, open: true, prechat: [], queues: [] },
  uploads: { image: 10485760, voice: 5242880, video: 52428800, file: 20971520 },
  conversation: null,
}

describe('openSession', () => {
  it('sends the site key, the page and the tokens it has', async () => {
    const post = vi.fn(async () => session)
    const r = await openSession(init, { token: 'vt_0', identity: 'id_1', post })
    expect(r).toEqual({ session, identity: 'id_1' })
    expect(post).toHaveBeenCalledWith({
      site_key: 'pk_1',
      visitor_token: 'vt_0',
      identity_token: 'id_1',
      page_url: 'https://shop.test/a',
      referrer: 'https://r.test/',
      locale: 'en',
    })
  })

  it('drops an identity token the server refuses and chats anonymously', async () => {
    const post = vi
      .fn<(body: Record<string, unknown>) => Promise<Session>>()
      .mockRejectedValueOnce(new ApiError(401, 'identity_expired', 'expired'))
      .mockResolvedValueOnce(session)
    const warn = vi.fn()
    const r = await openSession(init, { token: null, identity: 'id_old', post, warn })
    expect(r.identity).toBeNull()
    expect(post.mock.calls[1][0].identity_token).toBeUndefined()
    expect(warn.mock.calls[0][0]).toContain('identity_expired')
  })

  it('tries server trouble again three times with growing waits, then gives up', async () => {
    const post = vi.fn(async () => {
      throw new ApiError(503, 'unavailable', 'down')
    })
    const waits: number[] = []
    const err = await openSession(init, { token: null, identity: null, post, wait: async (ms) => void waits.push(ms) }).catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err.code).toBe('unavailable')
    expect(post).toHaveBeenCalledTimes(4)
    expect(waits).toHaveLength(3)
  })

  it('does not retry a refusal', async () => {
    const post = vi.fn(async () => {
      throw new ApiError(403, 'origin_not_allowed', 'no')
    })
    await expect(openSession(init, { token: null, identity: null, post, wait: async () => undefined })).rejects.toMatchObject({ code: 'origin_not_allowed' })
    expect(post).toHaveBeenCalledTimes(1)
  })
})

describe('fatalMessage', () => {
  it('explains the refusals a site owner can fix', () => {
    expect(fatalMessage(new ApiError(403, 'origin_not_allowed', 'no'), 'https://shop.test')).toBe(
      "this page's origin (https://shop.test) is not among the site's allowed origins",
    )
    expect(fatalMessage(new ApiError(404, 'site_not_found', 'no'), null)).toBe('no site has this data-site key')
    expect(fatalMessage(new ApiError(500, 'internal', 'boom'), null)).toBe('boom (internal)')
  })
})

describe('DeviceStore', () => {
  function memory() {
    const m = new Map<string, string>()
    return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), m }
  }

  it('keeps nothing before the visitor interacts, then the token and outbox under the site key', () => {
    const mem = memory()
    const d = new DeviceStore(() => mem, () => 'parley:v1:pk_1')
    d.save('vt_1', [])
    expect(mem.m.size).toBe(0)
    d.persisted = true
    d.save(null, [])
    expect(mem.m.size).toBe(0)
    d.save('vt_1', [{ client_msg_id: 'c-1' }])
    expect(d.load()).toEqual({ token: 'vt_1', outbox: [{ client_msg_id: 'c-1' }] })
    expect([...mem.m.keys()]).toEqual(['parley:v1:pk_1'])
  })

  it('works on when storage is blocked or holds garbage', () => {
    const blocked = {
      getItem: () => {
        throw new Error('denied')
      },
      setItem: () => {
        throw new Error('denied')
      },
    }
    const d = new DeviceStore(() => blocked, () => 'k')
    d.persisted = true
    expect(() => d.save('vt_1', [])).not.toThrow()
    expect(d.load()).toEqual({})
    const mem = memory()
    mem.setItem('k', '{not json')
    expect(new DeviceStore(() => mem, () => 'k').load()).toEqual({})
  })
})
