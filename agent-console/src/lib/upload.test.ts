import { describe, expect, it } from 'vitest'
import {
  initialUpload,
  retryable,
  uploadErrorText,
  uploadFile,
  uploadFraction,
  uploadStep,
  type UploadEvent,
  type UploadState,
  type XhrLike,
} from './upload'
import type { Attachment } from './types'

const att: Attachment = { id: 9, kind: 'image', mime: 'image/png', size: 100, name: 'a.png', url: '/media/9?exp=1&sig=x', url_expires_at: '2025-01-01T12:00:00Z' }

function run(events: UploadEvent[], from: UploadState = initialUpload(100)): UploadState {
  return events.reduce(uploadStep, from)
}

describe('upload state machine', () => {
  it('goes from queued through progress to uploaded', () => {
    let s = run([{ type: 'start', total: 100 }])
    expect(s.phase).toBe('uploading')
    s = run([{ type: 'progress', loaded: 40 }], s)
    expect(uploadFraction(s)).toBeCloseTo(0.4)
    s = run([{ type: 'done', attachment: att }], s)
    expect(s.phase).toBe('uploaded')
    expect(s.attachment).toEqual(att)
    expect(uploadFraction(s)).toBe(1)
  })

  it('never moves progress backwards nor past the total', () => {
    const s = run([
      { type: 'start', total: 100 },
      { type: 'progress', loaded: 70 },
      { type: 'progress', loaded: 30 },
      { type: 'progress', loaded: 500 },
    ])
    expect(s.loaded).toBe(100)
  })

  it('ignores late events after the end', () => {
    const done = run([{ type: 'start', total: 100 }, { type: 'done', attachment: att }])
    expect(run([{ type: 'progress', loaded: 10 }, { type: 'fail', error: { status: 0, code: 'x', message: '' } }], done)).toBe(done)
    expect(run([{ type: 'cancel' }], done).phase).toBe('uploaded')
  })

  it('fails, then retries from zero', () => {
    const failed = run([
      { type: 'start', total: 100 },
      { type: 'progress', loaded: 60 },
      { type: 'fail', error: { status: 0, code: 'network_error', message: 'offline' } },
    ])
    expect(failed.phase).toBe('failed')
    expect(failed.error?.code).toBe('network_error')
    const again = uploadStep(failed, { type: 'retry' })
    expect(again.phase).toBe('uploading')
    expect(again.loaded).toBe(0)
    expect(again.error).toBeUndefined()
    // Retry only from failed.
    expect(uploadStep(again, { type: 'retry' })).toBe(again)
  })

  it('can be canceled while uploading', () => {
    expect(run([{ type: 'start', total: 10 }, { type: 'cancel' }]).phase).toBe('canceled')
  })
})

describe('upload errors', () => {
  it('explains each server code', () => {
    expect(uploadErrorText({ status: 413, code: 'quota_exceeded', message: 'x' })).toMatch(/storage is full/)
    expect(uploadErrorText({ status: 413, code: 'too_long', message: 'voice messages may last at most 5m0s' })).toBe(
      'Too long: voice messages may last at most 5m0s.',
    )
    expect(uploadErrorText({ status: 413, code: 'too_large', message: 'this kind of upload may be at most 10 MB' })).toBe(
      'Too large: this kind of upload may be at most 10 MB.',
    )
    expect(uploadErrorText({ status: 413, code: 'too_large', message: 'the upload is too large' })).toBe('This file is too large to send.')
    expect(uploadErrorText({ status: 415, code: 'unsupported_media_type', message: '' })).toMatch(/cannot be sent/)
    expect(uploadErrorText({ status: 422, code: 'unreadable_media', message: '' })).toMatch(/could not be read/)
    expect(uploadErrorText({ status: 413, code: 'http_413', message: '' })).toMatch(/too large/)
  })

  it('offers a retry only for passing trouble', () => {
    expect(retryable({ status: 0, code: 'network_error', message: '' })).toBe(true)
    expect(retryable({ status: 503, code: 'unavailable', message: '' })).toBe(true)
    expect(retryable({ status: 413, code: 'too_large', message: '' })).toBe(false)
    expect(retryable({ status: 422, code: 'unreadable_media', message: '' })).toBe(false)
    expect(retryable(undefined)).toBe(false)
  })
})

class FakeXhr implements XhrLike {
  status = 0
  responseText = ''
  opened: [string, string] | null = null
  headers: Record<string, string> = {}
  body: unknown
  aborted = false
  upload: XhrLike['upload'] = { onprogress: null }
  onload: (() => void) | null = null
  onerror: (() => void) | null = null
  onabort: (() => void) | null = null
  open(method: string, url: string) {
    this.opened = [method, url]
  }
  setRequestHeader(n: string, v: string) {
    this.headers[n] = v
  }
  send(body: unknown) {
    this.body = body
  }
  abort() {
    this.aborted = true
    this.onabort?.()
  }
  answer(status: number, body: unknown) {
    this.status = status
    this.responseText = JSON.stringify(body)
    this.onload?.()
  }
}

class FakeForm {
  parts: Array<[string, unknown, string?]> = []
  append(name: string, value: unknown, filename?: string) {
    this.parts.push([name, value, filename])
  }
}

describe('uploadFile', () => {
  const blob = new Blob([new Uint8Array(100)], { type: 'image/png' })

  it('posts the kind before the file, with the token, and reports progress', async () => {
    const xhr = new FakeXhr()
    const form = new FakeForm()
    const seen: number[] = []
    const p = uploadFile({
      file: blob,
      name: 'a.png',
      kind: 'image',
      token: 'tok',
      createXhr: () => xhr,
      createForm: () => form as unknown as FormData,
      onProgress: (loaded) => seen.push(loaded),
    })
    expect(xhr.opened).toEqual(['POST', '/api/v1/uploads'])
    expect(xhr.headers.Authorization).toBe('Bearer tok')
    expect(form.parts.map((x) => x[0])).toEqual(['kind', 'file'])
    expect(form.parts[1][2]).toBe('a.png')
    xhr.upload.onprogress?.({ loaded: 50, total: 100, lengthComputable: true })
    xhr.answer(201, att)
    await expect(p).resolves.toEqual(att)
    expect(seen).toEqual([50])
  })

  it('rejects with the server error code', async () => {
    const xhr = new FakeXhr()
    const p = uploadFile({ file: blob, createXhr: () => xhr, createForm: () => new FakeForm() as unknown as FormData })
    xhr.answer(413, { error: { code: 'quota_exceeded', message: 'full' } })
    await expect(p).rejects.toMatchObject({ status: 413, code: 'quota_exceeded', message: 'full' })
  })

  it('rejects on network failure and on cancel', async () => {
    const x1 = new FakeXhr()
    const p1 = uploadFile({ file: blob, createXhr: () => x1, createForm: () => new FakeForm() as unknown as FormData })
    x1.onerror?.()
    await expect(p1).rejects.toMatchObject({ status: 0, code: 'network_error' })

    const x2 = new FakeXhr()
    const ctrl = new AbortController()
    const p2 = uploadFile({ file: blob, signal: ctrl.signal, createXhr: () => x2, createForm: () => new FakeForm() as unknown as FormData })
    ctrl.abort()
    await expect(p2).rejects.toMatchObject({ code: 'aborted' })
    expect(x2.aborted).toBe(true)
  })
})
