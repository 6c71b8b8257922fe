import { t, type MessageKey } from './i18n'

/** What a key press asks the inbox to do. */
export type ShortcutAction =
  | 'next'
  | 'previous'
  | 'resolve'
  | 'claim'
  | 'focus-composer'
  | 'note-mode'
  | 'view-mine'
  | 'view-queued'
  | 'view-all'
  | 'help'
  | 'close'

export interface KeyLike {
  key: string
  altKey?: boolean
  ctrlKey?: boolean
  metaKey?: boolean
  shiftKey?: boolean
  isComposing?: boolean
}

export interface ShortcutContext {
  /** Focus is in a text field (input, textarea, select, contenteditable). */
  typing: boolean
  /** An overlay (help, lightbox) is open. */
  overlay?: boolean
}

/** The list the help overlay shows. */
export const SHORTCUTS: ReadonlyArray<{ keys: string; what: string }> = (
  [
    ['j  or  Alt+↓', 'shortcut.next'],
    ['k  or  Alt+↑', 'shortcut.prev'],
    ['/', 'shortcut.reply'],
    ['n', 'shortcut.note'],
    ['c', 'shortcut.claim'],
    ['Ctrl+Enter', 'shortcut.resolve'],
    ['1 · 2 · 3', 'shortcut.views'],
    ['Esc', 'shortcut.esc'],
    ['?', 'shortcut.help'],
  ] as Array<[string, MessageKey]>
).map(([keys, what]) => ({
  // Getters, so that the help follows the language switch.
  get keys() {
    return keys.replace(' or ', ` ${t('shortcut.or')} `)
  },
  get what() {
    return t(what)
  },
}))

/**
 * Maps a key press to an action. Single keys act only when focus is not
 * in a text field, so they never get in the way of writing; Alt+arrows,
 * Ctrl+Enter and Esc act everywhere. Nothing fires while an IME is composing.
 */
export function shortcutFor(e: KeyLike, ctx: ShortcutContext): ShortcutAction | null {
  if (e.isComposing) return null
  if (e.key === 'Escape') return 'close'
  if (ctx.overlay) return e.key === '?' ? 'close' : null
  if (e.altKey && !e.ctrlKey && !e.metaKey) {
    if (e.key === 'ArrowDown') return 'next'
    if (e.key === 'ArrowUp') return 'previous'
    return null
  }
  // Ctrl+Enter resolves from the composer too: it is where an agent is.
  if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key === 'Enter') return 'resolve'
  if (ctx.typing) return null
  if (e.ctrlKey || e.metaKey || e.altKey) return null
  switch (e.key) {
    case 'j':
      return 'next'
    case 'k':
      return 'previous'
    case '/':
      return 'focus-composer'
    case 'n':
      return 'note-mode'
    case 'c':
      return 'claim'
    case '1':
      return 'view-mine'
    case '2':
      return 'view-queued'
    case '3':
      return 'view-all'
    case '?':
      return 'help'
  }
  return null
}

/** Whether an element takes typed text. */
export function isTextField(el: { tagName?: string; isContentEditable?: boolean; type?: string } | null | undefined): boolean {
  if (!el || !el.tagName) return false
  if (el.isContentEditable) return true
  const tag = el.tagName.toUpperCase()
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true
  if (tag !== 'INPUT') return false
  const type = (el.type || 'text').toLowerCase()
  return !['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color', 'file', 'image'].includes(type)
}
