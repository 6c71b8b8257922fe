// Message lookup without Vue: the console (through i18n.ts) and the service
// worker (notifications) both translate with it. Only English, the fallback,
// is built in; another language's table is added once it is loaded
// (i18n.ts loads it on demand, the worker carries it: see pushText.ts).
import en from '../locales/en'

export type Locale = 'en' | 'zh-CN'
export type Message = string | { one?: string; other: string }
export type MessageKey = keyof typeof en
export type Dictionary = Record<MessageKey, Message>

export const LOCALES: readonly Locale[] = ['en', 'zh-CN']
/** Each language named in itself, for the language switch. */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', 'zh-CN': '简体中文' }

/** The tables at hand: always English; another language once added. */
export const dictionaries: { en: Dictionary } & Partial<Record<Exclude<Locale, 'en'>, Partial<Dictionary>>> = { en }

/** Makes language l's table available to translate(); a message it lacks falls back to English. */
export function addDictionary(l: Exclude<Locale, 'en'>, d: Partial<Dictionary>): void {
  dictionaries[l] = d
}

/** Whether language l's table is at hand (English always is). */
export function hasDictionary(l: Locale): boolean {
  return dictionaries[l] !== undefined
}

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

export type Params = Record<string, string | number>

const pluralRules = new Map<Locale, Intl.PluralRules>()
function pluralCategory(l: Locale, n: number): string {
  let r = pluralRules.get(l)
  if (!r) {
    r = new Intl.PluralRules(l)
    pluralRules.set(l, r)
  }
  return r.select(n)
}

/**
 * Like i18n's t(), for an explicit language (tests, and text that must not
 * follow the switch). English while l's table is not loaded.
 */
export function translate(l: Locale, key: MessageKey, params?: Params): string {
  const own = dictionaries[l]?.[key]
  const m = own ?? dictionaries.en[key]
  let text: string
  if (typeof m === 'string') text = m
  else {
    const n = Number(params?.n ?? 0)
    // English forms follow English plural rules, whatever the language.
    const cat = pluralCategory(own !== undefined ? l : 'en', n)
    text = cat === 'one' && m.one !== undefined ? m.one : m.other
  }
  if (!params) return text
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name]
    // Numbers stay as digits: most are ids and group numbers, not quantities.
    return v === undefined ? whole : String(v)
  })
}

