// Links in message text, found without ever parsing the text as HTML: the
// text is cut into plain segments and link segments, which the template
// draws as text and <a> elements. Only http, https and mailto become
// links; javascript:, data:, vbscript:, file: and the rest stay text.
// The agent console keeps the same rules in agent-console/src/lib/linkify.ts.

export interface Segment {
  text: string
  href?: string
}

// A link runs over the ASCII characters URLs allow, so that it stops at a
// space, a quote, an angle bracket or CJK text written right after it.
const LINK_RE = /(?:\bhttps?:\/\/|\bwww\.|\bmailto:)[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+/gi
// Punctuation that ends a sentence rather than the link.
const TRAILING = /[.,;:!?'"]+$/

/** Cuts text into plain and link segments. */
export function linkify(text: string): Segment[] {
  const out: Segment[] = []
  let last = 0
  LINK_RE.lastIndex = 0
  for (let m = LINK_RE.exec(text); m; m = LINK_RE.exec(text)) {
    const raw = trimLink(m[0])
    const href = safeHref(/^www\./i.test(raw) ? 'https://' + raw : raw)
    if (!href) continue
    if (m.index > last) out.push({ text: text.slice(last, m.index) })
    out.push({ text: raw, href })
    last = m.index + raw.length
    LINK_RE.lastIndex = last
  }
  if (last < text.length) out.push({ text: text.slice(last) })
  return out
}

function trimLink(raw: string): string {
  raw = raw.replace(TRAILING, '')
  // A closing parenthesis or bracket belongs to the link only if the link opened one.
  for (const [open, close] of [['(', ')'], ['[', ']']]) {
    while (raw.endsWith(close) && count(raw, open) < count(raw, close)) {
      raw = raw.slice(0, -1).replace(TRAILING, '')
    }
  }
  return raw
}

function count(s: string, ch: string): number {
  return s.split(ch).length - 1
}

/** The URL if it is a valid http, https or mailto URL, else null. */
export function safeHref(s: string): string | null {
  let u: URL
  try {
    u = new URL(s)
  } catch {
    return null
  }
  if (u.protocol === 'mailto:') return /^[^@\s]+@[^@\s]+$/.test(decodeSafe(u.pathname)) ? u.href : null
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null
  return u.hostname ? u.href : null
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return ''
  }
}

/** Appends the text to el as text nodes and safe anchors. */
export function renderText(doc: Document, el: HTMLElement, text: string): void {
  for (const seg of linkify(text)) {
    if (seg.href) {
      const a = doc.createElement('a')
      a.href = seg.href
      a.target = '_blank'
      a.rel = 'noopener noreferrer'
      a.textContent = seg.text
      el.appendChild(a)
    } else {
      el.appendChild(doc.createTextNode(seg.text))
    }
  }
}
