import { ChatApp } from './app'

/** The site key the loader passed in the frame URL (?site=). */
export function siteKeyFrom(search: string): string {
  return new URLSearchParams(search).get('site')?.trim() ?? ''
}

/**
 * Starts the frame page: the chat waits for the loader's init message
 * (which names the host page), and says so when opened on its own.
 */
export function initFrame(doc: Document, win: Window): ChatApp | null {
  const siteKey = siteKeyFrom(win.location.search)
  doc.documentElement.setAttribute('data-site', siteKey)
  const app = new ChatApp(doc, win)
  if (!siteKey || win.parent === win) {
    app.showNotice(app.t.notEmbedded)
    return null
  }
  win.addEventListener('message', (e) => app.onHostMessage(e))
  return app
}
