// Which API answers the service worker keeps for offline reading, and how
// many. Shared by the worker (which caches) and the console (which clears
// the cache on sign-out: computers are shared).

/** The Cache API cache holding the signed-in user's API answers. */
export const DATA_CACHE = 'parley-data'

/** The cache holding the console's preferences the worker reads (the language). */
export const PREFS_CACHE = 'parley-prefs'

/** The key of the language in PREFS_CACHE. */
export const LOCALE_KEY = '/console/__locale'

/** How many conversations' latest messages are kept. */
export const MAX_CONVERSATIONS = 20

const MESSAGES = /^\/api\/v1\/conversations\/\d+\/messages$/

/**
 * Whether a GET of this URL is kept for offline reading: who I am, the
 * conversation list and each conversation's latest page of messages (not
 * older pages or catch-ups, which are only useful online).
 */
export function isOfflineReadable(url: URL): boolean {
  switch (url.pathname) {
    case '/api/v1/me':
    case '/api/v1/setup':
    case '/api/v1/conversations':
      return true
  }
  return MESSAGES.test(url.pathname) && !url.searchParams.has('before_seq') && !url.searchParams.has('after_seq')
}

/** Whether a kept URL is a conversation's messages (those are limited in number). */
export function isMessagePage(url: URL): boolean {
  return MESSAGES.test(url.pathname)
}

/**
 * The kept message pages to drop, given their URLs oldest first: all but the
 * newest `max`.
 */
export function overflow(urls: readonly string[], max = MAX_CONVERSATIONS): string[] {
  const pages = urls.filter((u) => isMessagePage(new URL(u)))
  return pages.slice(0, Math.max(0, pages.length - max))
}
