import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from './api'
import { ChatApp } from './app'
import { pickStrings } from './i18n'
import { Outbox } from './outbox'
import { filesOf, humanSize, kindOf, overLimit, upload, uploadError, type Attachment } from './upload'

const { t } = pickStrings('en')

/** A stand-in for XMLHttpRequest that answers what the test says. */
function fakeXHR(status: number, body: unknown, sent: FakeXHR[] = []) {
  return class extends FakeXHR {
    constructor() {
      super(status, body)
      sent.push(this)
    }
  } as unknown as typeof XMLHttpRequest
}

class FakeXHR {
  method = ''
  url = ''
  headers: Record<string, string> = {}
  form: FormData | null = null
  upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null }
  onload: (() => void) | null = null
  onerror: (() => void) | null = null
  ontimeout: (() => void) | null = null
  responseText = ''
  status = 0

  constructor(
    private readonly answerStatus: number,
    private readonly answer: unknown,
  ) {}

  open(method: string, url: string) {
    this.method = method
    this.url = url
  }

  setRequestHeader(k: string, v: string) {
    this.headers[k] = v
  }

  send(form: FormData) {
    this.form = form
    setTimeout(() => {
      this.upload.onprogress?.({ lengthComputable: true, loaded: 50, total: 100 })
      if (this.answerStatus === 0) {
        this.onerror?.()
        return
      }
      this.status = this.answerStatus
      this.responseText = JSON.stringify(this.answer)
      this.onload?.()
    }, 0)
  }
}

const picture: Attachment = {
  id: 41,
  kind: 'image',
  mime: 'image/png',
  size: 2048,
  name: 'cat.png',
  url: '/media/41?exp=1&sig=a',
  thumb_url: '/media/41/thumb?exp=1&sig=b',
  width: 400,
  height: 200,
  url_expires_at: '2025-01-01T12:00:00Z',
}

describe('attachments', () => {
  it('sends pictures as images and everything else as files', () => {
    expect(kindOf('image/png')).toBe('image')
    expect(kindOf('image/JPEG')).toBe('image')
    expect(kindOf('image/svg+xml')).toBe('file')
    expect(kindOf('text/html')).toBe('file')
    expect(kindOf('')).toBe('file')
  })

  it('refuses files over the limit of their kind before sending', () => {
    const limits = { image: 1000, file: 5000 }
    expect(overLimit({ name: 'a.png', size: 1001, type: 'image/png' }, limits)).toBe(1000)
    expect(overLimit({ name: 'a.png', size: 1000, type: 'image/png' }, limits)).toBe(0)
    expect(overLimit({ name: 'a.zip', size: 4000, type: 'application/zip' }, limits)).toBe(0)
    expect(overLimit({ name: 'a.zip', size: 4000, type: 'application/zip' }, null)).toBe(0)
  })

  it('writes sizes for people', () => {
    expect(humanSize(12)).toBe('12 B')
    expect(humanSize(1536)).toBe('1.5 KB')
    expect(humanSize(25 * 1024 * 1024)).toBe('25 MB')
  })

  it('says in plain words why the server refused a file', () => {
    expect(uploadError(new ApiError(413, 'too_large', 'x'), t)).toBe(t.upTooBig)
    expect(uploadError(new ApiError(413, 'quota_exceeded', 'x'), t)).toMatch(/used all the space/)
    expect(uploadError(new ApiError(415, 'unsupported_media_type', 'x'), t)).toMatch(/not a picture/)
    expect(uploadError(new ApiError(422, 'unreadable_media', 'x'), t)).toMatch(/could not be read/)
    expect(uploadError(new ApiError(400, 'invalid_input', 'x'), t)).toBe(t.upFailed)
  })

  it('finds files in a paste or a drop', () => {
    const f = new File(['x'], 'a.png', { type: 'image/png' })
    const items = [
      { kind: 'string', getAsFile: () => null },
      { kind: 'file', getAsFile: () => f },
    ]
    expect(filesOf({ items: items as unknown as DataTransferItemList })).toEqual([f])
    expect(filesOf(null)).toEqual([])
  })

  it('uploads as the visitor with the kind first, and reports progress', async () => {
    const sent: FakeXHR[] = []
    const seen: number[] = []
    const a = await upload(new Blob(['png']), 'cat.png', 'image', 'vt_1', (f) => seen.push(f), fakeXHR(201, picture, sent))
    expect(a.id).toBe(41)
    expect(sent[0].method).toBe('POST')
    expect(sent[0].url).toBe('/api/v1/uploads')
    expect(sent[0].headers.Authorization).toBe('Visitor vt_1')
    expect(Array.from(sent[0].form!.keys())).toEqual(['kind', 'file'])
    expect(sent[0].form!.get('kind')).toBe('image')
    expect((sent[0].form!.get('file') as File).name).toBe('cat.png')
    expect(seen).toEqual([0.5, 1])
  })

  it('turns refusals and network failures into API errors', async () => {
    const refused = upload(new Blob(['<html>']), 'x.png', 'image', 'vt', () => undefined,
      fakeXHR(415, { error: { code: 'unsupported_media_type', message: 'no' } }))
    await expect(refused).rejects.toMatchObject({ status: 415, code: 'unsupported_media_type', retryable: false })
    const lost = upload(new Blob(['x']), 'x.png', 'image', 'vt', () => undefined, fakeXHR(0, null))
    await expect(lost).rejects.toMatchObject({ status: 0, retryable: true })
  })
})

describe('outbox with media', () => {
  it('sends a media message only once uploaded, with the same client_msg_id', () => {
    const o = new Outbox(() => 1000, () => 0.5)
    o.addMedia('m-1', 'image', { name: 'cat.png', size: 2048, type: 'image/png' })
    expect(o.due()).toHaveLength(0)
    o.wake()
    expect(o.due()).toHaveLength(0)
    o.uploaded('m-1', picture)
    const [p] = o.due()
    expect(p.client_msg_id).toBe('m-1')
    expect(Outbox.payload(p, 7)).toEqual({ client_msg_id: 'm-1', conversation_id: 7, kind: 'image', body: '', attachment_id: 41 })
    o.add('t-1', 'hello')
    expect(Outbox.payload(o.get('t-1')!, 7)).toEqual({ client_msg_id: 't-1', conversation_id: 7, kind: 'text', body: 'hello' })
  })

  it('keeps uploaded media across a reload, not files whose bytes are gone', () => {
    const o = new Outbox()
    o.addMedia('m-1', 'image', { name: 'a.png', size: 1, type: 'image/png' })
    o.addMedia('m-2', 'file', { name: 'b.txt', size: 1, type: 'text/plain' })
    o.uploaded('m-2', { ...picture, id: 42, kind: 'file' })
    const saved = JSON.parse(JSON.stringify(o.dump()))
    expect(saved.map((p: { client_msg_id: string }) => p.client_msg_id)).toEqual(['m-2'])
    const again = new Outbox()
    again.load([...saved, { client_msg_id: 'm-1', body: '', file: { name: 'a.png', size: 1, type: 'image/png' }, state: 'uploading' }])
    expect(again.items.map((p) => [p.client_msg_id, p.state, p.attachment?.id])).toEqual([['m-2', 'sending', 42]])
  })

  it('uploads again when a failed upload is retried', () => {
    const o = new Outbox()
    o.addMedia('m-1', 'image', { name: 'a.png', size: 1, type: 'image/png' })
    o.fail('m-1', 'network')
    o.retry('m-1')
    expect(o.get('m-1')!.state).toBe('uploading')
    o.uploaded('m-1', picture)
    o.fail('m-1', 'refused')
    o.retry('m-1')
    expect(o.get('m-1')!.state).toBe('sending')
  })
})

describe('the chat with attachments', () => {
  const site = { name: 'Shop', color: '#123456', greeting: '', away_message: '', online: true, open: true, prechat: [], queues: [] }
  let app: ChatApp
  let sends: Array<Record<string, unknown>>

  beforeEach(() => {
    const html = readFileSync(resolve(process.cwd(), 'frame.html'), 'utf8')
    document.documentElement.innerHTML = html.replace(/^<!doctype html>/i, '')
    localStorage.clear()
    sends = []
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit) => {
        const body = JSON.parse(String(init.body || '{}'))
        sends.push({ url, ...body })
        const m = { id: 9, conversation_id: 7, seq: 5, client_msg_id: body.client_msg_id, sender: { kind: 'visitor', id: 1, name: 'V' },
          kind: body.kind, body: body.body, attachment: picture, created_at: '' }
        return new Response(JSON.stringify(m), { status: 201 })
      }),
    )
    const win = { location: { search: '?site=pk', origin: 'https://chat.test' }, navigator: { language: 'en' }, parent: {}, localStorage, addEventListener: () => undefined } as unknown as Window
    app = new ChatApp(document, win)
    app.site = site
    app.token = 'vt_1'
    app.conv = { id: 7, status: 'assigned', assignee: { id: 2, name: 'Ann' }, last_seq: 4, rating: null }
    app.limits = { image: 10 * 1024 * 1024, file: 1024 }
    app.render()
  })
  afterEach(() => vi.unstubAllGlobals())

  const q = (id: string) => document.querySelector(`[data-testid="${id}"]`) as HTMLElement

  it('uploads a picked picture with a progress bar, then sends it with the upload id', async () => {
    vi.stubGlobal('XMLHttpRequest', fakeXHR(201, picture))
    app.attach([new File(['png'], 'cat.png', { type: 'image/png' })])
    const pending = app.outbox.items[0]
    expect(pending.state).toBe('uploading')
    expect(q('parley-upload-progress')).not.toBeNull()
    expect(document.querySelector('[data-pending="uploading"]')!.textContent).toContain('cat.png')
    await vi.waitFor(() => expect(sends).toHaveLength(1))
    expect(sends[0]).toMatchObject({ url: '/api/v1/widget/conversations/7/messages', client_msg_id: pending.client_msg_id, kind: 'image', attachment_id: 41 })
    await vi.waitFor(() => expect(app.outbox.items).toHaveLength(0))
    const img = document.querySelector('[data-testid="parley-message"] [data-testid="parley-attachment-image"]') as HTMLImageElement
    expect(img.getAttribute('src')).toBe(picture.thumb_url)
    expect([img.width, img.height]).toEqual([200, 100])
    // Click to enlarge; Escape closes the picture, not the chat.
    ;(img.parentElement as HTMLButtonElement).click()
    expect(q('parley-lightbox').hidden).toBe(false)
    expect((q('parley-lightbox').querySelector('img') as HTMLImageElement).getAttribute('src')).toBe(picture.url)
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }))
    expect(q('parley-lightbox').hidden).toBe(true)
  })

  it('refuses an oversized file before uploading, in plain words', () => {
    const XHR = vi.fn()
    vi.stubGlobal('XMLHttpRequest', XHR)
    app.attach([new File(['x'.repeat(2000)], 'big.zip', { type: 'application/zip' })])
    expect(XHR).not.toHaveBeenCalled()
    expect(app.outbox.items).toHaveLength(0)
    expect(q('parley-attach-error').hidden).toBe(false)
    expect(q('parley-attach-error').textContent).toBe('big.zip is too large to send: files may be at most 1 KB.')
  })

  it.each([
    [413, 'quota_exceeded', /used all the space/],
    [413, 'upload_budget_exceeded', /no more attachments today/],
    [429, 'upload_budget_spent', /no more attachments today/],
    [413, 'too_large', /too large/],
    [415, 'unsupported_media_type', /not a picture/],
    [422, 'unreadable_media', /could not be read/],
  ])('shows a %i %s refusal in plain words and lets the visitor remove it', async (status, code, words) => {
    vi.stubGlobal('XMLHttpRequest', fakeXHR(status, { error: { code, message: 'server words' } }))
    app.attach([new File(['png'], 'cat.png', { type: 'image/png' })])
    await vi.waitFor(() => expect(q('parley-upload-error')).not.toBeNull())
    expect(q('parley-upload-error').textContent).toMatch(words)
    expect(sends).toHaveLength(0)
    ;(q('parley-upload-error').nextElementSibling as HTMLButtonElement).click()
    expect(app.outbox.items).toHaveLength(0)
  })

  it('draws files as download links with their name and size', () => {
    app.store.add({ id: 3, conversation_id: 7, seq: 3, sender: { kind: 'user', id: 2, name: 'Ann' }, kind: 'file', body: '',
      attachment: { id: 5, kind: 'file', mime: 'application/pdf', size: 2560, name: 'invoice.pdf', url: '/media/5?exp=1&sig=c', url_expires_at: '' }, created_at: '' })
    app.store.add({ id: 4, conversation_id: 7, seq: 4, sender: { kind: 'user', id: 2, name: 'Ann' }, kind: 'file', body: '',
      attachment: { id: 6, kind: 'file', mime: 'text/plain', size: 1, name: 'x', url: 'javascript:alert(1)', url_expires_at: '' }, created_at: '' })
    app.render()
    const [a, bad] = Array.from(document.querySelectorAll<HTMLAnchorElement>('[data-testid="parley-attachment-file"]'))
    expect(a.getAttribute('href')).toBe('/media/5?exp=1&sig=c')
    expect(a.download).toBe('invoice.pdf')
    expect(a.textContent).toBe('invoice.pdf2.5 KB')
    expect(bad.hasAttribute('href')).toBe(false)
  })
})
