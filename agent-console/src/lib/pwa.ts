// The console's side of the installable app: registering the service
// worker, telling it the language for notifications, following its
// "open this conversation" requests, and wiping offline data on sign-out.
import { DATA_CACHE, LOCALE_KEY, PREFS_CACHE } from './offlineData'

let viewing: number | null = null

/**
 * Tells the worker which conversation this window shows (null: none), so
 * that a push for it shows no notification while the window has focus.
 * Browsers do not update a window's URL for the worker on in-page
 * navigation, so the console says it.
 */
export function reportViewing(conversationId: number | null): void {
  viewing = conversationId
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return
  navigator.serviceWorker.controller?.postMessage({ type: 'parley:viewing', conversation_id: conversationId })
}

/** Registers /sw.js (production builds only: the dev server has no worker). */
export function registerServiceWorker(navigate: (path: string) => void): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return
  // A new worker (the first, or an update) starts without knowing.
  navigator.serviceWorker.addEventListener('controllerchange', () => reportViewing(viewing))
  navigator.serviceWorker.addEventListener('message', (e: MessageEvent) => {
    const d = e.data as { type?: unknown; url?: unknown } | null
    if (!d || d.type !== 'parley:navigate' || typeof d.url !== 'string') return
    const url = new URL(d.url, location.href)
    if (url.origin !== location.origin || !url.pathname.startsWith('/console/')) return
    navigate(url.hash.replace(/^#/, '') || '/')
  })
  // Once the page has loaded: the worker's first install fetches every file
  // of the console, which must not compete with the page's own.
  const register = () =>
    void navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((err) => {
      console.warn('service worker not registered', err)
    })
  if (document.readyState === 'complete') register()
  else window.addEventListener('load', register, { once: true })
}

/** Stores the language where the worker reads it to word notifications. */
export async function rememberLocale(locale: string): Promise<void> {
  if (typeof caches === 'undefined') return
  try {
    const cache = await caches.open(PREFS_CACHE)
    await cache.put(LOCALE_KEY, new Response(locale, { headers: { 'Content-Type': 'text/plain' } }))
  } catch {
    // Storage refused (private mode): notifications use the browser's language.
  }
}

/** Forgets the conversations and messages kept for offline reading. */
export async function clearOfflineData(): Promise<void> {
  if (typeof caches === 'undefined') return
  try {
    await caches.delete(DATA_CACHE)
  } catch {
    // Nothing was stored.
  }
}
