// The console's languages: English and Simplified Chinese. Dictionaries are
// plain objects keyed by message id; zh-CN is typed against en, so a missing
// or extra key fails the type check. A message is a string with {name}
// placeholders, or plural forms chosen by Intl.PluralRules on params.n.
import { ref } from 'vue'
import { dictionaries, initialLocale, translate, type Locale, type MessageKey, type Params } from './translate'

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

/** Switches the language and remembers the choice in this browser. */
export function setLocale(l: Locale) {
  locale.value = l
  storage()?.setItem(STORAGE_KEY, l)
  applyToDocument(l)
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
