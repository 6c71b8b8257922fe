// Emoji in the composer: where the picker's choice goes, and the picker's
// settings (its data is served by the console itself, never by a CDN).

/** Puts s in text in place of the selection [start, end), and says where the caret goes. */
export function insertAt(text: string, start: number, end: number, s: string): { text: string; caret: number } {
  const a = Math.max(0, Math.min(start, text.length))
  const b = Math.max(a, Math.min(end, text.length))
  return { text: text.slice(0, a) + s + text.slice(b), caret: a + s.length }
}

/** The picker's data file for a console language. */
export function emojiDataURL(base: string, locale: string): string {
  return `${base.replace(/\/?$/, '/')}emoji/${locale === 'zh-CN' ? 'zh-CN' : 'en'}.json`
}
