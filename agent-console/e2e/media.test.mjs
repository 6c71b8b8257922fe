// Media in a direct chat: one person uploads an image, the other sees the
// thumbnail arrive live and opens it (see .ci/browser).
import assert from 'node:assert/strict'
import { deflateSync } from 'node:zlib'
import { after, before, test } from 'node:test'
import { BASE, adminToken, befriend, createUser, launch, restOk, signInPage } from './helpers.mjs'

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}

/** A real w×h RGB PNG (a red and blue gradient). */
function png(w, h) {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // RGB
  const rows = []
  for (let y = 0; y < h; y++) {
    const row = Buffer.alloc(1 + w * 3)
    for (let x = 0; x < w; x++) {
      row[1 + x * 3] = Math.round((255 * x) / w)
      row[3 + x * 3] = Math.round((255 * y) / h)
    }
    rows.push(row)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

test('an image sent in a direct chat shows live as a thumbnail and opens in a lightbox', async () => {
  const admin = await adminToken()
  const sender = await createUser(admin, 'Pia')
  const viewer = await createUser(admin, 'Quinn')
  await befriend(sender.token, viewer.token, viewer.user)
  const direct = await restOk('POST', '/api/v1/conversations/direct', { user_id: viewer.user.id }, sender.token)

  const a = await signInPage(browser, sender)
  const b = await signInPage(browser, viewer)
  try {
    await a.page.goto(`${BASE}/console/#/chats/${direct.id}`)
    await b.page.goto(`${BASE}/console/#/chats/${direct.id}`)
    await a.page.getByTestId('composer-input').waitFor()
    await b.page.getByTestId('connection-status').waitFor({ state: 'detached' })
    await b.page.getByTestId('message-list').waitFor()

    const uploaded = a.page.waitForResponse((r) => r.url().endsWith('/api/v1/uploads') && r.request().method() === 'POST')
    await a.page.getByTestId('composer-file').setInputFiles({ name: 'gradient.png', mimeType: 'image/png', buffer: png(64, 48) })
    const res = await uploaded
    assert.equal(res.status(), 201, `upload answered ${res.status()}: ${await res.text()}`)
    const att = await res.json()
    assert.equal(att.kind, 'image')
    assert.equal(att.width, 64)
    assert.equal(att.height, 48)

    // The sender's copy is acknowledged, then the other side gets it live.
    await a.page.locator('[data-testid="message"][data-state="sent"][data-kind="image"]').waitFor()
    const thumb = b.page.locator('[data-testid="message"][data-kind="image"]').getByTestId('media-thumb')
    await thumb.waitFor()
    const img = thumb.locator('img')
    await b.page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await img.elementHandle())
    assert.match(await img.getAttribute('src'), /\/media\/\d+\/thumb\?/)

    await thumb.click()
    const box = b.page.getByTestId('lightbox')
    await box.waitFor()
    await b.page.waitForFunction(
      (el) => el.complete && el.naturalWidth === 64,
      await b.page.getByTestId('lightbox-image').elementHandle(),
    )
    await b.page.keyboard.press('Escape')
    await box.waitFor({ state: 'detached' })

    const history = await restOk('GET', `/api/v1/conversations/${direct.id}/messages?limit=10`, undefined, viewer.token)
    const images = history.items.filter((m) => m.kind === 'image')
    assert.equal(images.length, 1, 'sent exactly once')
    assert.equal(images[0].attachment.id, att.id)
  } catch (err) {
    await b.explain(err)
  } finally {
    await a.context.close()
    await b.context.close()
  }
})
