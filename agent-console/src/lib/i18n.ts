// The console's languages: English and Simplified Chinese. Dictionaries are
// plain objects keyed by message id; zh-CN is typed against en, so a missing
// or extra key fails the type check. A message is a string with {name}
// placeholders, or plural forms chosen by Intl.PluralRules on params.n.
// English is part of the console's first script; Chinese is a chunk of its
// own, loaded before it is first shown (main.ts, setLocale), so t() stays
// synchronous and nobody who reads English downloads it.
import { ref } from 'vue'
import { addDictionary, dictionaries, hasDictionary, initialLocale, translate, type Dictionary, type Locale, type MessageKey, type Params } from './translate'

// The Vue-free half lives in translate.ts so the service worker can use it.
export {
  initialLocale,
  LOCALE_NAMES,
  LOCALES,
  matchLocale,
  translate,
  type Dictionary,
  type Locale,
  type Message,
  type MessageKey,
  type Params,
} from './translate'

const STORAGE_KEY = 'parley.locale'

function storage(): Storage | null {
  try {
    return typeof window !== 'undefined' ? window.localStorage : null
  } catch {
    return null
  }
}

function browserLanguages(): readonly string[] {
  if (typeof navigator === 'undefined') return []
  return navigator.languages?.length ? navigator.languages : [navigator.language]
}

/** The current language; reading it in a template or computed re-renders on a switch. */
export const locale = ref<Locale>(initialLocale(storage()?.getItem(STORAGE_KEY) ?? null, browserLanguages()))

function applyToDocument(l: Locale) {
  if (typeof document !== 'undefined') document.documentElement.lang = l
}
applyToDocument(locale.value)

/** Where each language but English comes from. */
const LOADERS: Record<Exclude<Locale, 'en'>, () => Promise<{ default: Partial<Dictionary> }>> = {
  'zh-CN': () => import('../locales/zh-CN'),
}

const loading = new Map<Locale, Promise<void>>()

/**
 * Makes language l's messages available to t(); resolves at once when they
 * are. A failed load (offline before the first use) may be tried again.
 */
export function loadLocale(l: Locale): Promise<void> {
  if (l === 'en' || hasDictionary(l)) return Promise.resolve()
  let p = loading.get(l)
  if (!p) {
    p = LOADERS[l]().then(
      (m) => {
        addDictionary(l, m.default)
        loading.delete(l)
      },
      (err: unknown) => {
        loading.delete(l)
        throw err
      },
    )
    loading.set(l, p)
  }
  return p
}

let switches = 0

/**
 * Switches the language once its messages are loaded and remembers the
 * choice in this browser. When another switch comes first, the later one
 * wins; when the load fails, the language stays as it was (and the promise
 * rejects).
 */
export async function setLocale(l: Locale): Promise<void> {
  const mine = ++switches
  await loadLocale(l)
  if (mine !== switches) return
  locale.value = l
  storage()?.setItem(STORAGE_KEY, l)
  applyToDocument(l)
}

/**
 * Loads the language the console starts in, before anything is shown (no
 * English flash for a Chinese reader). When it cannot be loaded (offline
 * before the first use), this visit is in English and the saved choice
 * stays for the next one.
 */
export async function loadInitialLocale(): Promise<void> {
  try {
    await loadLocale(locale.value)
  } catch {
    locale.value = 'en'
    applyToDocument('en')
  }
}

/** The message in the current language with {placeholders} filled in. */
export function t(key: MessageKey, params?: Params): string {
  return translate(locale.value, key, params)
}

/** Whether the dictionary has this id (for ids built from server values such as roles). */
export function hasMessage(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(dictionaries.en, key)
}

/** A number grouped for the current language. */
export function formatNumber(n: number, opts?: Intl.NumberFormatOptions): string {
  return new Intl.NumberFormat(locale.value, opts).format(n)
}

/** Integer cents as a decimal amount with the language's grouping: 123456 → "1,234.56". */
export function formatMoney(cents: number): string {
  return new Intl.NumberFormat(locale.value, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(cents / 100)
}
