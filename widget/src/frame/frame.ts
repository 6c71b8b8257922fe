import { MSG_CLOSE } from '../protocol'

/** The site key the loader passed in the frame URL (?site=). */
export function siteKeyFrom(search: string): string {
  return new URLSearchParams(search).get('site')?.trim() ?? ''
}

/**
 * Wires the frame page: records the site key and lets the close button ask
 * the loader (in the parent page) to hide the frame. The message carries no
 * data, so posting it to any origin is harmless; the loader checks that it
 * comes from this frame and the Parley origin.
 */
export function initFrame(doc: Document, win: Window): { siteKey: string } {
  const siteKey = siteKeyFrom(win.location.search)
  doc.documentElement.setAttribute('data-site', siteKey)
  const close = doc.querySelector<HTMLButtonElement>('[data-testid="parley-close"]')
  close?.addEventListener('click', () => {
    if (win.parent && win.parent !== win) win.parent.postMessage({ type: MSG_CLOSE }, '*')
  })
  if (!siteKey) {
    const p = doc.querySelector('[data-testid="parley-placeholder"]')
    if (p) p.textContent = 'This chat is not set up correctly (no site key).'
  }
  return { siteKey }
}
