import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { initFrame, siteKeyFrom } from './frame'

function loadPage() {
  const html = readFileSync(resolve(process.cwd(), 'frame.html'), 'utf8')
  document.documentElement.innerHTML = html.replace(/^<!doctype html>/i, '')
}

function fakeWindow(search: string, parent: { postMessage: (...a: unknown[]) => void }) {
  return { location: { search }, parent } as unknown as Window
}

beforeEach(loadPage)

describe('frame page', () => {
  it('reads the site key from the URL', () => {
    expect(siteKeyFrom('?site=pk_1')).toBe('pk_1')
    expect(siteKeyFrom('?other=1')).toBe('')
    expect(siteKeyFrom('?site=a%20b')).toBe('a b')
  })

  it('shows the header and the placeholder and records the site', () => {
    const parent = { postMessage: vi.fn() }
    expect(initFrame(document, fakeWindow('?site=pk_1', parent))).toEqual({ siteKey: 'pk_1' })
    expect(document.documentElement.getAttribute('data-site')).toBe('pk_1')
    expect(document.querySelector('[data-testid="parley-title"]')?.textContent).toBe('Chat with us')
    expect(document.querySelector('[data-testid="parley-placeholder"]')?.textContent).toMatch(/starting soon/)
  })

  it('asks the loader to close it', () => {
    const parent = { postMessage: vi.fn() }
    initFrame(document, fakeWindow('?site=pk_1', parent))
    document.querySelector<HTMLButtonElement>('[data-testid="parley-close"]')!.click()
    expect(parent.postMessage).toHaveBeenCalledWith({ type: 'parley:close' }, '*')
  })

  it('says so when the site key is missing', () => {
    initFrame(document, fakeWindow('', { postMessage: vi.fn() }))
    expect(document.querySelector('[data-testid="parley-placeholder"]')?.textContent).toMatch(/no site key/)
  })
})
