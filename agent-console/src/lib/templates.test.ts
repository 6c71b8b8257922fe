import { describe, expect, it } from 'vitest'

// Text a person reads must come from t(): a template may hold symbols,
// numbers, the brand and key names, but no English words of its own.
const ALLOWED_WORDS = new Set(['Parley', 'Ctrl', 'Alt', 'Enter', 'Esc'])
const TEXT_ATTRIBUTES = ['title', 'placeholder', 'aria-label', 'alt', 'label', 'question', 'confirm-label', 'subtitle', 'aria-description']

// Every component's source, read by Vite as text.
const SOURCES = import.meta.glob('../**/*.vue', { query: '?raw', import: 'default', eager: true }) as Record<string, string>

function englishWords(text: string): string[] {
  return (text.match(/[A-Za-z][A-Za-z']+/g) ?? []).filter((w) => !ALLOWED_WORDS.has(w))
}

/** The raw English in one template: text between tags and in static text attributes. */
function rawEnglish(source: string): string[] {
  const start = source.indexOf('<template>')
  const end = source.lastIndexOf('</template>')
  if (start < 0 || end < 0) return []
  let tpl = source.slice(start + '<template>'.length, end)
  tpl = tpl.replace(/<!--[\s\S]*?-->/g, ' ').replace(/\{\{[\s\S]*?\}\}/g, ' ')
  const found: string[] = []
  const tag = /<\/?[A-Za-z][\w.-]*((?:\s+[^\s=>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'))?)*)\s*\/?>/g
  tpl = tpl.replace(tag, (_whole, attrs: string) => {
    for (const m of attrs.matchAll(/([^\s=>/]+)\s*=\s*"([^"]*)"/g)) {
      if (TEXT_ATTRIBUTES.includes(m[1]) && !/^https?:/.test(m[2]) && englishWords(m[2]).length) found.push(`${m[1]}="${m[2]}"`)
    }
    return '\n'
  })
  for (const line of tpl.split('\n')) {
    if (englishWords(line).length) found.push(line.trim())
  }
  return found
}

describe('templates', () => {
  it('find raw English in a sample', () => {
    expect(rawEnglish('<template><p class="x" :title="t(\'a\')">Hello {{ t(\'b\') }}</p><i aria-label="Close"/></template>')).toEqual([
      'aria-label="Close"',
      'Hello',
    ])
    expect(rawEnglish('<template><b v-if="a => a > 1">{{ x }} · 3</b><span>Parley</span></template>')).toEqual([])
  })

  it('hold no English outside t()', () => {
    const files = Object.keys(SOURCES)
    expect(files.length).toBeGreaterThan(40)
    const problems: string[] = []
    for (const file of files) {
      for (const text of rawEnglish(SOURCES[file])) problems.push(`${file}: ${text}`)
    }
    expect(problems).toEqual([])
  })
})
