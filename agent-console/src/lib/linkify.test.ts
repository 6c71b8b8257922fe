import { describe, expect, it } from 'vitest'
import { linkify, safeHref } from './linkify'

describe('linkify', () => {
  it('links http, https, www and mailto', () => {
    expect(linkify('see https://a.example/x?y=1 and http://b.example')).toEqual([
      { text: 'see ' },
      { text: 'https://a.example/x?y=1', href: 'https://a.example/x?y=1' },
      { text: ' and ' },
      { text: 'http://b.example', href: 'http://b.example/' },
    ])
    expect(linkify('www.c.example')).toEqual([{ text: 'www.c.example', href: 'https://www.c.example/' }])
    expect(linkify('write to mailto:help@d.example')).toEqual([
      { text: 'write to ' },
      { text: 'mailto:help@d.example', href: 'mailto:help@d.example' },
    ])
  })

  it('never links other schemes', () => {
    for (const s of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
      'ftp://e.example/x',
    ]) {
      expect(linkify(s).some((seg) => seg.href)).toBe(false)
      expect(linkify(s).map((seg) => seg.text).join('')).toBe(s)
    }
    expect(safeHref('javascript:alert(1)')).toBeNull()
    expect(safeHref('mailto:javascript:alert(1)')).toBeNull()
    expect(linkify('<img src=x onerror=alert(1)>')).toEqual([{ text: '<img src=x onerror=alert(1)>' }])
  })

  it('does not take a scheme hidden inside a link', () => {
    const segs = linkify('xjavascript:alert(1)//https://a.example')
    expect(segs.filter((s) => s.href).map((s) => s.href)).toEqual(['https://a.example/'])
  })

  it('leaves trailing punctuation outside the link', () => {
    expect(linkify('go to https://a.example/x.')).toEqual([
      { text: 'go to ' },
      { text: 'https://a.example/x', href: 'https://a.example/x' },
      { text: '.' },
    ])
    expect(linkify('https://a.example/?q=1, then!')[0]).toEqual({ text: 'https://a.example/?q=1', href: 'https://a.example/?q=1' })
    expect(linkify('(https://a.example/wiki/Foo_(bar))')).toEqual([
      { text: '(' },
      { text: 'https://a.example/wiki/Foo_(bar)', href: 'https://a.example/wiki/Foo_(bar)' },
      { text: ')' },
    ])
    expect(linkify('"https://a.example"')[1]).toEqual({ text: 'https://a.example', href: 'https://a.example/' })
  })

  it('stops at CJK text written next to a link', () => {
    expect(linkify('看这个https://a.example/路径谢谢')).toEqual([
      { text: '看这个' },
      { text: 'https://a.example/', href: 'https://a.example/' },
      { text: '路径谢谢' },
    ])
    expect(linkify('链接：https://a.example/x。好的')).toEqual([
      { text: '链接：' },
      { text: 'https://a.example/x', href: 'https://a.example/x' },
      { text: '。好的' },
    ])
    expect(linkify('（https://a.example）')[1]).toEqual({ text: 'https://a.example', href: 'https://a.example/' })
  })

  it('keeps plain text whole', () => {
    expect(linkify('')).toEqual([])
    expect(linkify('no links here 你好')).toEqual([{ text: 'no links here 你好' }])
  })
})
