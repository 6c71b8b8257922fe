import { describe, expect, it, vi } from 'vitest'
import { ApiError } from './api'
import { pickStrings } from './i18n'
import { Outbox } from './outbox'
import { Uploads, type UploadHooks, type Attachment } from './upload'

const { t } = pickStrings('en')

const done: Attachment = { id: 41, kind: 'file', mime: 'application/pdf', size: 3, name: 'a.pdf', url: '/media/41', url_expires_at: '' }

function setUp(send: ConstructorParameters<typeof Uploads>[2]) {
  const outbox = new Outbox()
  const hooks = {
    token: () => 'vt_1',
    limits: () => ({ file: 1024 }),
    t: () => t,
    progress: vi.fn<UploadHooks['progress']>(),
    uploaded: vi.fn(),
    changed: vi.fn(),
  }
  const waits: number[] = []
  const uploads = new Uploads(outbox, hooks, send, async (ms) => void waits.push(ms))
  return { outbox, hooks, uploads, waits }
}

describe('Uploads', () => {
  it('refuses a file over the limit before uploading, in plain words', () => {
    const send = vi.fn()
    const { outbox, uploads } = setUp(send)
    const words = uploads.add([new File(['x'.repeat(2000)], 'big.zip', { type: 'application/zip' })])
    expect(words).toBe('big.zip is too large to send: files may be at most 1 KB.')
    expect(send).not.toHaveBeenCalled()
    expect(outbox.items).toHaveLength(0)
  })

  it('uploads as the visitor, reports progress, then hands the message to the outbox', async () => {
    const send = vi.fn(async (_f: Blob, _n: string, _k: string, _token: string | null, onProgress: (f: number) => void) => {
      onProgress(0.5)
      return done
    })
    const { outbox, hooks, uploads } = setUp(send)
    uploads.add([new File(['pdf'], 'a.pdf', { type: 'application/pdf' })])
    const id = outbox.items[0].client_msg_id
    expect(outbox.items[0].state).toBe('uploading')
    await vi.waitFor(() => expect(hooks.uploaded).toHaveBeenCalled())
    expect(send.mock.calls[0].slice(1, 4)).toEqual(['a.pdf', 'file', 'vt_1'])
    expect(hooks.progress).toHaveBeenCalledWith(id, 0.5, true)
    expect(outbox.items[0]).toMatchObject({ state: 'sending', attachment: done })
  })

  it('tries network trouble again with back-off, and fails a refusal with its reason', async () => {
    const send = vi
      .fn()
      .mockRejectedValueOnce(new ApiError(0, 'network', 'offline'))
      .mockRejectedValueOnce(new ApiError(415, 'unsupported_media_type', 'no'))
    const { outbox, hooks, uploads, waits } = setUp(send)
    uploads.add([new File(['png'], 'a.png', { type: 'image/png' })])
    await vi.waitFor(() => expect(hooks.changed).toHaveBeenCalled())
    expect(waits).toHaveLength(1)
    expect(outbox.items[0]).toMatchObject({ state: 'failed', error: t.upType })
    uploads.remove(outbox.items[0].client_msg_id)
    expect(outbox.items).toHaveLength(0)
  })
})
