// Web Push: the devices of the signed-in user that get notifications, and
// subscribing this browser. The service worker that shows the
// notifications is registered by the console itself; this only waits for
// it to be ready.
import type { ApiClient } from './api'
import type { Schemas } from './schemas'

type Client = Pick<ApiClient, 'get' | 'post' | 'delete'>

/** One subscribed device, as GET /api/v1/push/subscriptions lists it. */
export type PushDevice = Schemas['PushSubscription']

/** Why this browser cannot subscribe: no Push API, notifications blocked, or no service worker running. */
export type PushProblem = 'unsupported' | 'denied' | 'no-worker'

export class PushUnavailable extends Error {
  constructor(readonly problem: PushProblem) {
    super(problem)
  }
}

/** What the browser offers; window's objects in the console, fakes in tests. */
export interface PushEnv {
  serviceWorker?: Pick<ServiceWorkerContainer, 'ready' | 'getRegistration'>
  Notification?: { permission: NotificationPermission; requestPermission(): Promise<NotificationPermission> }
  hasPushManager: boolean
}

export function browserEnv(): PushEnv {
  return {
    serviceWorker: typeof navigator !== 'undefined' && 'serviceWorker' in navigator ? navigator.serviceWorker : undefined,
    Notification: typeof Notification !== 'undefined' ? Notification : undefined,
    hasPushManager: typeof window !== 'undefined' && 'PushManager' in window,
  }
}

/** The problem known before asking anything ('' when none yet). */
export function pushProblem(env: PushEnv): PushProblem | '' {
  if (!env.serviceWorker || !env.Notification || !env.hasPushManager) return 'unsupported'
  if (env.Notification.permission === 'denied') return 'denied'
  return ''
}

export async function listDevices(api: Client): Promise<PushDevice[]> {
  const r = await api.get<{ items: PushDevice[] }>('/api/v1/push/subscriptions')
  return r.items
}

export async function removeDevice(api: Client, id: number): Promise<void> {
  await api.delete(`/api/v1/push/subscriptions/${id}`)
}

/** base64url (padded or not) → bytes, as pushManager.subscribe takes applicationServerKey. */
export function decodeKey(key: string): Uint8Array<ArrayBuffer> {
  const b64 = key.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (key.length % 4)) % 4)
  const raw = atob(b64)
  const out = new Uint8Array(raw.length)
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i)
  return out
}

async function registration(env: PushEnv): Promise<ServiceWorkerRegistration> {
  // ready never settles without a registered worker: ask first.
  if (!env.serviceWorker || !(await env.serviceWorker.getRegistration())) throw new PushUnavailable('no-worker')
  return env.serviceWorker.ready
}

/** The endpoint this browser is subscribed with, or '' (none, or no worker). */
export async function thisDeviceEndpoint(env: PushEnv): Promise<string> {
  if (pushProblem(env) === 'unsupported') return ''
  try {
    const reg = await registration(env)
    return (await reg.pushManager.getSubscription())?.endpoint ?? ''
  } catch {
    return ''
  }
}

/**
 * Subscribes this browser: asks for permission, waits for the service
 * worker, subscribes with the server's VAPID key and stores the
 * subscription. Throws PushUnavailable with the reason it cannot.
 */
export async function enableOnThisDevice(api: Client, env: PushEnv): Promise<PushDevice> {
  const known = pushProblem(env)
  if (known) throw new PushUnavailable(known)
  if ((await env.Notification!.requestPermission()) !== 'granted') throw new PushUnavailable('denied')
  const reg = await registration(env)
  const { key } = await api.get<{ key: string }>('/api/v1/push/vapid-public-key')
  let sub = await reg.pushManager.getSubscription()
  if (sub && !sameKey(sub.options?.applicationServerKey ?? null, key)) {
    await sub.unsubscribe()
    sub = null
  }
  sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: decodeKey(key) })
  return api.post<PushDevice>('/api/v1/push/subscriptions', sub.toJSON())
}

function sameKey(have: ArrayBuffer | null, key: string): boolean {
  if (!have) return true
  const a = new Uint8Array(have)
  const b = decodeKey(key)
  return a.length === b.length && a.every((v, i) => v === b[i])
}
