import { describe, expect, it } from 'vitest'
import { isTextField, shortcutFor } from './shortcuts'

const idle = { typing: false }
const typing = { typing: true }

describe('shortcutFor', () => {
  it('maps single keys when not typing', () => {
    expect(shortcutFor({ key: 'j' }, idle)).toBe('next')
    expect(shortcutFor({ key: 'k' }, idle)).toBe('previous')
    expect(shortcutFor({ key: '/' }, idle)).toBe('focus-composer')
    expect(shortcutFor({ key: 'n' }, idle)).toBe('note-mode')
    expect(shortcutFor({ key: 'c' }, idle)).toBe('claim')
    expect(shortcutFor({ key: '?' , shiftKey: true }, idle)).toBe('help')
    expect(shortcutFor({ key: '2' }, idle)).toBe('view-queued')
    expect(shortcutFor({ key: 'x' }, idle)).toBeNull()
  })

  it('never takes single keys from someone typing', () => {
    for (const key of ['j', 'k', '/', 'n', 'c', '?', '1']) expect(shortcutFor({ key }, typing)).toBeNull()
  })

  it('Alt+arrows move everywhere, even while typing', () => {
    expect(shortcutFor({ key: 'ArrowDown', altKey: true }, typing)).toBe('next')
    expect(shortcutFor({ key: 'ArrowUp', altKey: true }, idle)).toBe('previous')
    expect(shortcutFor({ key: 'ArrowDown' }, idle)).toBeNull()
  })

  it('Ctrl or Cmd+Enter resolves, from the composer too', () => {
    expect(shortcutFor({ key: 'Enter', ctrlKey: true }, idle)).toBe('resolve')
    expect(shortcutFor({ key: 'Enter', metaKey: true }, idle)).toBe('resolve')
    expect(shortcutFor({ key: 'Enter', ctrlKey: true }, typing)).toBe('resolve')
    expect(shortcutFor({ key: 'Enter', metaKey: true }, typing)).toBe('resolve')
    expect(shortcutFor({ key: 'Enter' }, typing)).toBeNull()
    expect(shortcutFor({ key: 'Enter' }, idle)).toBeNull()
  })

  it('leaves browser shortcuts alone', () => {
    expect(shortcutFor({ key: 'k', ctrlKey: true }, idle)).toBeNull()
    expect(shortcutFor({ key: 'j', metaKey: true }, idle)).toBeNull()
  })

  it('with an overlay open only closes it', () => {
    expect(shortcutFor({ key: 'Escape' }, { typing: false, overlay: true })).toBe('close')
    expect(shortcutFor({ key: '?' }, { typing: false, overlay: true })).toBe('close')
    expect(shortcutFor({ key: 'j' }, { typing: false, overlay: true })).toBeNull()
  })

  it('does nothing while an IME composes', () => {
    expect(shortcutFor({ key: 'j', isComposing: true }, idle)).toBeNull()
  })
})

describe('isTextField', () => {
  it('knows what takes text', () => {
    expect(isTextField({ tagName: 'TEXTAREA' })).toBe(true)
    expect(isTextField({ tagName: 'input', type: 'text' })).toBe(true)
    expect(isTextField({ tagName: 'INPUT', type: 'search' })).toBe(true)
    expect(isTextField({ tagName: 'INPUT', type: 'checkbox' })).toBe(false)
    expect(isTextField({ tagName: 'SELECT' })).toBe(true)
    expect(isTextField({ tagName: 'DIV', isContentEditable: true })).toBe(true)
    expect(isTextField({ tagName: 'BUTTON' })).toBe(false)
    expect(isTextField(null)).toBe(false)
  })
})
