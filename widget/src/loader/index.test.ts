import { afterEach, describe, expect, it, vi } from 'vitest'
import { HOST_ID } from './core'

afterEach(() => {
  document.head.innerHTML = ''
  document.body.innerHTML = ''
  delete (window as { Parley?: unknown }).Parley
  delete (window as { __parleyWidget?: unknown }).__parleyWidget
  vi.resetModules()
})

describe('widget.js entry', () => {
  it('boots from document.currentScript as it runs', async () => {
    const s = document.createElement('script')
    s.type = 'text/plain'
    s.setAttribute('src', 'http://127.0.0.1:8080/widget.js')
    s.setAttribute('data-site', 'pk_live')
    document.head.appendChild(s)
    const spy = vi.spyOn(document, 'currentScript', 'get').mockReturnValue(s)
    await import('./index')
    spy.mockRestore()

    const root = document.getElementById(HOST_ID)!.shadowRoot!
    root.querySelector<HTMLButtonElement>('[data-testid="parley-launcher"]')!.click()
    expect(root.querySelector('iframe')!.src).toBe('http://127.0.0.1:8080/widget/frame.html?site=pk_live')
    expect(typeof (window as { Parley?: { open?: unknown } }).Parley?.open).toBe('function')
  })
})
