import { describe, expect, it } from 'vitest'
import {
  filesFrom,
  fitWithin,
  formatDuration,
  formatSize,
  guessKind,
  isMediaKind,
  linkExpired,
  mediaSendBody,
  pickRecorderMime,
  recordingName,
} from './media'

describe('formatDuration', () => {
  it('shows minutes and seconds', () => {
    expect(formatDuration(0)).toBe('0:00')
    expect(formatDuration(7_400)).toBe('0:07')
    expect(formatDuration(65_000)).toBe('1:05')
    expect(formatDuration(599_999)).toBe('9:59')
  })

  it('adds hours when needed', () => {
    expect(formatDuration(3_723_000)).toBe('1:02:03')
  })

  it('treats bad input as zero', () => {
    expect(formatDuration(undefined)).toBe('0:00')
    expect(formatDuration(NaN)).toBe('0:00')
    expect(formatDuration(-5000)).toBe('0:00')
  })
})

describe('formatSize', () => {
  it('uses binary units with a decimal for small values', () => {
    expect(formatSize(0)).toBe('0 B')
    expect(formatSize(512)).toBe('512 B')
    expect(formatSize(1536)).toBe('1.5 KB')
    expect(formatSize(10 * 1024 * 1024)).toBe('10 MB')
    expect(formatSize(25 * 1024 * 1024 + 1)).toBe('25 MB')
    expect(formatSize(3 * 1024 ** 3)).toBe('3 GB')
  })
})

describe('mediaSendBody', () => {
  it('sends the upload kind and id, with a trimmed caption only when given', () => {
    expect(mediaSendBody('c1', { id: 42, kind: 'image' })).toEqual({ client_msg_id: 'c1', kind: 'image', attachment_id: 42 })
    expect(mediaSendBody('c2', { id: 7, kind: 'voice' }, '  listen ')).toEqual({
      client_msg_id: 'c2',
      kind: 'voice',
      attachment_id: 7,
      body: 'listen',
    })
  })
})

describe('guessKind and isMediaKind', () => {
  it('guesses from the browser type', () => {
    expect(guessKind('image/png')).toBe('image')
    expect(guessKind('image/svg+xml')).toBe('file')
    expect(guessKind('video/mp4')).toBe('video')
    expect(guessKind('audio/webm;codecs=opus')).toBe('voice')
    expect(guessKind('')).toBe('file')
  })

  it('knows the media kinds', () => {
    expect(isMediaKind('video')).toBe(true)
    expect(isMediaKind('text')).toBe(false)
    expect(isMediaKind(3)).toBe(false)
  })
})

describe('linkExpired', () => {
  const now = Date.parse('2025-01-01T12:00:00Z')
  it('compares the expiry with a margin', () => {
    expect(linkExpired({ url_expires_at: '2025-01-01T12:10:00Z' }, now)).toBe(false)
    expect(linkExpired({ url_expires_at: '2025-01-01T12:00:03Z' }, now)).toBe(true)
    expect(linkExpired({ url_expires_at: '2025-01-01T11:00:00Z' }, now)).toBe(true)
    expect(linkExpired({}, now)).toBe(false)
  })
})

describe('fitWithin', () => {
  it('scales down keeping the ratio, never up', () => {
    expect(fitWithin(960, 480)).toEqual({ width: 280, height: 140 })
    expect(fitWithin(100, 50)).toEqual({ width: 100, height: 50 })
    expect(fitWithin(0, 50)).toBeNull()
  })
})

describe('recording helpers', () => {
  it('picks the first supported container', () => {
    expect(pickRecorderMime((t) => t === 'audio/ogg')).toBe('audio/ogg')
    expect(pickRecorderMime(() => true)).toBe('audio/webm;codecs=opus')
    expect(pickRecorderMime(() => false)).toBe('')
    expect(
      pickRecorderMime(() => {
        throw new Error('unknown')
      }),
    ).toBe('')
  })

  it('names a recording by container', () => {
    const at = new Date(2025, 0, 2, 3, 4, 5)
    expect(recordingName('audio/webm;codecs=opus', at)).toBe('voice-20250102-030405.webm')
    expect(recordingName('audio/ogg', at)).toMatch(/\.ogg$/)
    expect(recordingName('audio/mp4', at)).toMatch(/\.m4a$/)
  })
})

describe('filesFrom', () => {
  const file = (name: string) => ({ name }) as unknown as File
  it('takes file items and skips text', () => {
    const a = file('a.png')
    const items = [
      { kind: 'string', getAsFile: () => null },
      { kind: 'file', getAsFile: () => a },
    ]
    expect(filesFrom({ items })).toEqual([a])
  })

  it('falls back to the file list', () => {
    const b = file('b.pdf')
    expect(filesFrom({ items: [], files: [b] })).toEqual([b])
    expect(filesFrom(null)).toEqual([])
  })
})
