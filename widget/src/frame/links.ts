// Links in message text, made clickable without ever parsing the text as
// HTML: the text is cut into plain segments and link segments, drawn as
// text nodes and <a> elements.

export interface Segment {
  text: string
  href?: string
}

const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"']+/gi
const TRAILING = /[.,;:!?'"]+$/

/** Cuts text into plain and link segments; only http(s) links become links. */
export function linkify(text: string): Segment[] {
  const out: Segment[] = []
  let last = 0
  URL_RE.lastIndex = 0
  for (let m = URL_RE.exec(text); m; m = URL_RE.exec(text)) {
    let raw = m[0].replace(TRAILING, '')
    // A closing parenthesis belongs to the link only if it opened one.
    while (raw.endsWith(')') && (raw.match(/\(/g) || []).length < (raw.match(/\)/g) || []).length) {
      raw = raw.slice(0, -1).replace(TRAILING, '')
    }
    const href = safeHref(/^www\./i.test(raw) ? 'https://' + raw : raw)
    if (!href) continue
    if (m.index > last) out.push({ text: text.slice(last, m.index) })
    out.push({ text: raw, href })
    last = m.index + raw.length
    URL_RE.lastIndex = last
  }
  if (last < text.length) out.push({ text: text.slice(last) })
  return out
}

/** The URL if it is a valid http(s) URL, else null. */
export function safeHref(s: string): string | null {
  try {
    const u = new URL(s)
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null
  } catch {
    return null
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
