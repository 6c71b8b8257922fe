import { describe, expect, it } from 'vitest'
import { decodeKey, enableOnThisDevice, listDevices, pushProblem, PushUnavailable, removeDevice, type PushEnv } from './push'

const KEY = 'BAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0-P0A'

function fakeApi() {
  const calls: Array<{ method: string; path: string; body?: unknown }> = []
  const api = {
    get: async (path: string) => {
      calls.push({ method: 'GET', path })
      return path.endsWith('vapid-public-key') ? { key: KEY } : { items: [{ id: 3, endpoint: 'https://push.example/a', user_agent: 'UA', device: 'Chrome · Linux', created_at: '2026-01-02T03:04:05Z' }] }
    },
    post: async (path: string, body: unknown) => (calls.push({ method: 'POST', path, body }), { id: 4, endpoint: 'https://push.example/b', user_agent: '', device: '', created_at: '' }),
    delete: async (path: string) => (calls.push({ method: 'DELETE', path }), undefined),
  } as never
  return { api, calls }
}

function fakeEnv(opts: { permission?: NotificationPermission; answer?: NotificationPermission; worker?: boolean; push?: boolean } = {}) {
  const subscribed: unknown[] = []
  const sub = { endpoint: 'https://push.example/b', options: { applicationServerKey: null }, toJSON: () => ({ endpoint: 'https://push.example/b', keys: { p256dh: 'P', auth: 'A' } }), unsubscribe: async () => true }
  const reg = {
    pushManager: {
      getSubscription: async () => null,
      subscribe: async (o: unknown) => (subscribed.push(o), sub),
    },
  }
  const env: PushEnv = {
    serviceWorker: { ready: Promise.resolve(reg as never), getRegistration: async () => (opts.worker === false ? undefined : (reg as never)) },
    Notification: { permission: opts.permission ?? 'default', requestPermission: async () => opts.answer ?? 'granted' },
    hasPushManager: opts.push ?? true,
  }
  return { env, subscribed }
}

describe('push', () => {
  it('lists and removes devices', async () => {
    const { api, calls } = fakeApi()
    expect((await listDevices(api))[0].device).toBe('Chrome · Linux')
    await removeDevice(api, 3)
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /api/v1/push/subscriptions', 'DELETE /api/v1/push/subscriptions/3'])
  })
  it('decodes the base64url VAPID key', () => {
    const k = decodeKey(KEY)
    expect(k.length).toBe(65)
    expect(k[0]).toBe(4)
    expect(k[64]).toBe(64)
  })
  it('subscribes with the server key and stores the subscription', async () => {
    const { api, calls } = fakeApi()
    const { env, subscribed } = fakeEnv()
    const d = await enableOnThisDevice(api, env)
    expect(d.id).toBe(4)
    expect(subscribed).toEqual([{ userVisibleOnly: true, applicationServerKey: decodeKey(KEY) }])
    expect(calls.at(-1)).toEqual({ method: 'POST', path: '/api/v1/push/subscriptions', body: { endpoint: 'https://push.example/b', keys: { p256dh: 'P', auth: 'A' } } })
  })
  it('says why it cannot', async () => {
    const { api, calls } = fakeApi()
    const reason = (env: PushEnv) => enableOnThisDevice(api, env).then(() => '', (e: PushUnavailable) => e.problem)
    expect(await reason(fakeEnv({ push: false }).env)).toBe('unsupported')
    expect(await reason(fakeEnv({ permission: 'denied' }).env)).toBe('denied')
    expect(await reason(fakeEnv({ answer: 'denied' }).env)).toBe('denied')
    expect(await reason(fakeEnv({ worker: false }).env)).toBe('no-worker')
    expect(calls.filter((c) => c.method === 'POST')).toEqual([])
    expect(pushProblem(fakeEnv().env)).toBe('')
  })
})
