// The console's service worker (served at /sw.js, scope /). It keeps the
// app shell for offline start, the latest conversations and messages for
// offline reading (network first), and shows Web Push notifications.
// vite.config.ts bundles it and fills in __PRECACHE__ and __BUILD__.
import { DATA_CACHE, LOCALE_KEY, PREFS_CACHE, isOfflineReadable, overflow } from '../lib/offlineData'
import { isShowing, notificationFor, parsePush } from '../lib/pushText'
import { matchLocale, type Locale } from '../lib/translate'

declare const self: ServiceWorkerGlobalScope
declare const __PRECACHE__: string[]
declare const __BUILD__: string

const SHELL_PREFIX = 'parley-shell-'
const SHELL = SHELL_PREFIX + __BUILD__
const INDEX = '/console/index.html'
const ICON = '/console/icons/icon-192.png'

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL)
      // Around the HTTP cache: index.html is no-cache, and a stale copy
      // would point at assets this build no longer has.
      await cache.addAll(__PRECACHE__.map((u) => new Request(u, { cache: 'reload' })))
      await self.skipWaiting()
    })(),
  )
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(SHELL_PREFIX) && name !== SHELL) await caches.delete(name)
      }
      await self.clients.claim()
    })(),
  )
})

self.addEventListener('fetch', (event) => {
  const req = event.request
  if (req.method !== 'GET') return
  const url = new URL(req.url)
  if (url.origin !== self.location.origin) return
  if (req.mode === 'navigate') {
    if (url.pathname === '/console/' || url.pathname === INDEX) event.respondWith(shellPage(req))
    return
  }
  if (url.pathname.startsWith('/console/assets/')) {
    event.respondWith(cacheFirst(req))
    return
  }
  if (isOfflineReadable(url)) event.respondWith(networkFirst(req))
})

/** The console's page: fresh when online, the precached one offline. */
async function shellPage(req: Request): Promise<Response> {
  try {
    return await fetch(req)
  } catch (err) {
    const cached = await caches.match(INDEX, { cacheName: SHELL })
    if (cached) return cached
    throw err
  }
}

/** Hashed assets never change: the precached copy, else the network. */
async function cacheFirst(req: Request): Promise<Response> {
  const cached = await caches.match(req, { cacheName: SHELL })
  return cached ?? fetch(req)
}

/**
 * API answers kept for offline reading: the network's answer when there is
 * one (kept when it is a success), else the last kept one.
 */
async function networkFirst(req: Request): Promise<Response> {
  try {
    const res = await fetch(req)
    if (res.ok) await keep(req, res.clone())
    return res
  } catch (err) {
    const cached = await caches.match(req, { cacheName: DATA_CACHE })
    if (cached) return cached
    throw err
  }
}

async function keep(req: Request, res: Response): Promise<void> {
  const cache = await caches.open(DATA_CACHE)
  // Delete first so the key moves to the end: keys() is oldest first.
  await cache.delete(req)
  await cache.put(req, res)
  const urls = (await cache.keys()).map((r) => r.url)
  for (const u of overflow(urls)) await cache.delete(u)
}

/** The console's language (it stores it for us), else the browser's. */
async function language(): Promise<Locale> {
  try {
    const res = await caches.match(LOCALE_KEY, { cacheName: PREFS_CACHE })
    const saved = res ? matchLocale(await res.text()) : null
    if (saved) return saved
  } catch {
    // No preference stored: the browser's language below.
  }
  return matchLocale(self.navigator.language) ?? 'en'
}

/** The conversation each console window shows, as the windows report it. */
const viewing = new Map<string, number | null>()

self.addEventListener('message', (event) => {
  const d = event.data as { type?: unknown; conversation_id?: unknown } | null
  const source = event.source as Client | null
  if (!source || !d || d.type !== 'parley:viewing') return
  viewing.set(source.id, typeof d.conversation_id === 'number' ? d.conversation_id : null)
})

self.addEventListener('push', (event) => {
  let data: unknown = null
  try {
    data = event.data?.json()
  } catch {
    return
  }
  const msg = parsePush(data)
  if (!msg) return
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
      for (const id of viewing.keys()) if (!windows.some((w) => w.id === id)) viewing.delete(id)
      // The person is looking at this conversation: it is on screen already.
      const shows = (w: WindowClient) =>
        viewing.has(w.id) ? viewing.get(w.id) === msg.conversation_id : isShowing(w.url, msg)
      if (windows.some((w) => w.focused && w.visibilityState === 'visible' && shows(w))) return
      const n = notificationFor(msg, await language())
      await self.registration.showNotification(n.title, {
        body: n.body,
        tag: n.tag,
        icon: ICON,
        badge: ICON,
        data: { url: n.url, conversation_id: msg.conversation_id, seq: msg.seq },
      })
    })(),
  )
})

self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const path = typeof event.notification.data?.url === 'string' ? event.notification.data.url : '/console/'
  event.waitUntil(openConsole(new URL(path, self.location.origin).href))
})

/** Focuses a console window and sends it to target, or opens one there. */
async function openConsole(target: string): Promise<void> {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
  const consoles = windows.filter((w) => new URL(w.url).pathname.startsWith('/console/'))
  const win = consoles.find((w) => w.focused) ?? consoles[0]
  if (!win) {
    await self.clients.openWindow(target)
    return
  }
  // The console routes by its hash: it navigates itself without a reload.
  win.postMessage({ type: 'parley:navigate', url: target })
  await win.focus().catch(() => undefined)
}
