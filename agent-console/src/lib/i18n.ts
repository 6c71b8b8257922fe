// The console's languages: English and Simplified Chinese. Dictionaries are
// plain objects keyed by message id; zh-CN is typed against en, so a missing
// or extra key fails the type check. A message is a string with {name}
// placeholders, or plural forms chosen by Intl.PluralRules on params.n.
import { ref } from 'vue'
import en from '../locales/en'
import zhCN from '../locales/zh-CN'

export type Locale = 'en' | 'zh-CN'
export type Message = string | { one?: string; other: string }
export type MessageKey = keyof typeof en
export type Dictionary = Record<MessageKey, Message>

export const LOCALES: readonly Locale[] = ['en', 'zh-CN']
/** Each language named in itself, for the language switch. */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', 'zh-CN': '简体中文' }

const dictionaries: Record<Locale, Dictionary> = { en, 'zh-CN': zhCN }
const STORAGE_KEY = 'parley.locale'

/** zh, zh-CN, zh-Hans-SG… → zh-CN; anything else → en. */
export function matchLocale(tag: string | null | undefined): Locale | null {
  if (!tag) return null
  if (tag === 'en' || tag === 'zh-CN') return tag
  const lower = tag.toLowerCase()
  if (lower.startsWith('zh')) return 'zh-CN'
  if (lower.startsWith('en')) return 'en'
  return null
}

/** The saved preference, else the browser's language, else English. */
export function initialLocale(saved: string | null, languages: readonly string[]): Locale {
  const s = saved === 'en' || saved === 'zh-CN' ? saved : null
  if (s) return s
  for (const l of languages) {
    const m = matchLocale(l)
    if (m) return m
  }
  return 'en'
}

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

const pluralRules = new Map<Locale, Intl.PluralRules>()
function pluralCategory(l: Locale, n: number): string {
  let r = pluralRules.get(l)
  if (!r) {
    r = new Intl.PluralRules(l)
    pluralRules.set(l, r)
  }
  return r.select(n)
}

export type Params = Record<string, string | number>

/** The message in the current language with {placeholders} filled in. */
export function t(key: MessageKey, params?: Params): string {
  return translate(locale.value, key, params)
}

/** Like t(), for an explicit language (tests, and text that must not follow the switch). */
export function translate(l: Locale, key: MessageKey, params?: Params): string {
  const m = dictionaries[l][key] ?? dictionaries.en[key]
  let text: string
  if (typeof m === 'string') text = m
  else {
    const n = Number(params?.n ?? 0)
    const cat = pluralCategory(l, n)
    text = cat === 'one' && m.one !== undefined ? m.one : m.other
  }
  if (!params) return text
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name]
    // Numbers stay as digits: most are ids and group numbers, not quantities.
    return v === undefined ? whole : String(v)
  })
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
