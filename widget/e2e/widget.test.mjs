// The visitor widget in a real browser, on a host page served from another
// origin than Parley's (see .ci/browser, which starts Parley and sets PARLEY_URL).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { deflateSync } from 'node:zlib'
import { adminToken, agentSay, createAgent, createSite, hostSite, launch, restOk, watch } from './helpers.mjs'

let browser
let host
let admin

before(async () => {
  browser = await launch()
  host = await hostSite()
  admin = await adminToken()
})

after(async () => {
  await browser?.close()
  host?.close()
})

const frameOf = (page) => page.frameLocator('iframe[data-testid="parley-frame"]')
const messageWithText = (f, text) =>
  f.getByTestId('parley-message').filter({ has: f.getByTestId('parley-message-body').getByText(text, { exact: true }) })

async function conversationOf(agent) {
  const deadline = Date.now() + 10_000
  for (;;) {
    const inbox = await restOk('GET', '/api/v1/agent/conversations?view=mine', undefined, agent.token)
    if (inbox.items?.length) return inbox.items[0]
    if (Date.now() > deadline) throw new Error('the visitor’s conversation never reached the agent')
    await new Promise((r) => setTimeout(r, 200))
  }
}

test('a visitor chats with an agent: pre-chat form, live reply, history after reload, rating', async () => {
  const site = await createSite(admin, 'Shop', {
    allowed_origins: [host.origin],
    color: '#0b7285',
    greeting: 'Hello! Ask us anything.',
    prechat_fields: [{ name: 'name', label: 'Your name', type: 'text', required: true }],
  })
  const agent = await createAgent(admin, site)
  const context = await browser.newContext()
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  const { explain } = watch(page)
  try {
    await page.goto(host.url('/', site.public_key))
    assert.equal(await page.title(), 'Shop /')
    const launcher = page.getByTestId('parley-launcher')
    await launcher.waitFor()
    // Nothing is stored on the device before the visitor interacts.
    const storedBefore = await page.evaluate(() => document.cookie + localStorage.length)
    assert.equal(storedBefore, '0')

    await launcher.click()
    const f = frameOf(page)
    await f.getByTestId('parley-greeting').getByText('Hello! Ask us anything.').waitFor()
    // The pre-chat form of the site comes before the first message.
    await f.getByTestId('parley-prechat-submit').click()
    await f.getByText('This field is required.').waitFor()
    await f.getByTestId('parley-prechat-name').fill('Vera Visitor')
    await f.getByTestId('parley-prechat-submit').click()

    await f.getByTestId('parley-input').fill('Hello from the widget')
    await f.getByTestId('parley-send').click()
    await messageWithText(f, 'Hello from the widget').waitFor()
    await f.locator('[data-testid="parley-message"]:not([data-pending])').first().waitFor()

    const conv = await conversationOf(agent)
    assert.equal(conv.prechat?.name, 'Vera Visitor')
    await agentSay(agent, conv.id, 'Hi Vera, see https://example.com/help.')
    await messageWithText(f, 'Hi Vera, see https://example.com/help.').waitFor()
    const link = f.getByRole('link', { name: 'https://example.com/help' })
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer')
    assert.equal(await link.getAttribute('target'), '_blank')

    // Message text is always text.
    await agentSay(agent, conv.id, '<img src=x onerror=alert(1)>')
    await messageWithText(f, '<img src=x onerror=alert(1)>').waitFor()
    assert.equal(await f.locator('.log img').count(), 0)

    // The agent reads the visitor's next message: a receipt shows under it.
    await f.getByTestId('parley-input').fill('Thanks!')
    await f.getByTestId('parley-input').press('Enter')
    await messageWithText(f, 'Thanks!').and(f.locator(':not([data-pending])')).waitFor()
    const history = await restOk('GET', `/api/v1/conversations/${conv.id}/messages?limit=50`, undefined, agent.token)
    const last = history.items.at(-1).seq
    await restOk('POST', `/api/v1/conversations/${conv.id}/read`, { seq: last }, agent.token)
    await f.getByTestId('parley-read').waitFor()

    // History survives a reload, and another page of the same site.
    for (const path of ['/', '/pricing']) {
      await page.goto(host.url(path, site.public_key))
      await page.getByTestId('parley-launcher').click()
      const g = frameOf(page)
      await messageWithText(g, 'Hello from the widget').waitFor()
      await messageWithText(g, 'Hi Vera, see https://example.com/help.').waitFor()
      const bodies = await g.getByTestId('parley-message-body').allTextContents()
      assert.deepEqual(
        bodies.filter((b) => !/assigned|joined|took/i.test(b)),
        ['Hello from the widget', 'Hi Vera, see https://example.com/help.', '<img src=x onerror=alert(1)>', 'Thanks!'],
        'no message is missing or doubled',
      )
    }

    // A reply while the chat is closed: the launcher shows an unread badge.
    await page.getByTestId('parley-launcher').click()
    await agentSay(agent, conv.id, 'Anything else?')
    await page.getByTestId('parley-unread').getByText('1').waitFor()
    await page.getByTestId('parley-launcher').click()
    const g = frameOf(page)
    await messageWithText(g, 'Anything else?').waitFor()
    assert.equal(await page.getByTestId('parley-unread').isHidden(), true)

    // Resolved: the visitor rates the chat.
    await restOk('POST', `/api/v1/support/conversations/${conv.id}/resolve`, {}, agent.token)
    const rating = g.getByTestId('parley-rating')
    await rating.waitFor()
    await rating.getByRole('button', { name: 'Rate 5 of 5' }).click()
    await rating.getByTestId('parley-rating-comment').fill('Quick and kind.')
    await rating.getByTestId('parley-rating-send').click()
    await rating.getByText('Thanks for your feedback!').waitFor()
    const resolved = await restOk('GET', '/api/v1/agent/conversations?view=all&status=resolved', undefined, agent.token)
    const rated = resolved.items.find((c) => c.id === conv.id)
    assert.equal(rated?.rating, 5)
  } catch (err) {
    await explain(err)
  } finally {
    await context.close()
  }
})

test('with nobody online the widget shows the away message and takes an e-mail', async () => {
  const site = await createSite(admin, 'Night shop', {
    allowed_origins: [host.origin],
    away_message: 'We are closed for the night.',
  })
  await createAgent(admin, site, { online: false })
  const context = await browser.newContext()
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  const { explain } = watch(page)
  try {
    await page.goto(host.url('/', site.public_key))
    await page.getByTestId('parley-launcher').click()
    const f = frameOf(page)
    await f.getByText('We are closed for the night.').waitFor()
    const email = f.getByTestId('parley-email')
    await email.fill('not an e-mail')
    await email.press('Enter')
    await f.getByText('Please enter a valid e-mail address.').waitFor()
    await email.fill('night.owl@example.com')
    await email.press('Enter')
    await f.getByText('We will reply to night.owl@example.com').waitFor()
    // The visitor may still leave a message; it waits in the queue.
    await f.getByTestId('parley-input').fill('Please call me back')
    await f.getByTestId('parley-send').click()
    await messageWithText(f, 'Please call me back').waitFor()
    await f.getByTestId('parley-queue-position').getByText(/next in the queue|number \d+/).waitFor()
  } catch (err) {
    await explain(err)
  } finally {
    await context.close()
  }
})

test('on a page whose origin the site does not allow, the launcher hides and the page keeps working', async () => {
  const site = await createSite(admin, 'Elsewhere', { allowed_origins: ['https://shop.example.com'] })
  const context = await browser.newContext()
  const page = await context.newPage()
  // The frame's Content-Security-Policy refuses this page as its ancestor,
  // so the loader learns it only when the frame stays silent (15 s).
  page.setDefaultTimeout(30_000)
  const { explain, lines } = watch(page)
  try {
    await page.goto(host.url('/', site.public_key))
    await page.getByTestId('parley-launcher').waitFor({ state: 'hidden' })
    // It was drawn, then took itself away: give it time to have done so.
    await page.waitForFunction(() => document.getElementById('parley-widget')?.style.display === 'none')
    await page.locator('#counter').click()
    await page.locator('#counter').getByText('1').waitFor()
    assert.ok(
      lines.some((l) => l.startsWith('console.warning') && /Parley: .*not among the site's allowed origins/.test(l)),
      'one clear warning in the console',
    )
    assert.equal(lines.filter((l) => l.startsWith('console.warning') && l.includes('Parley:')).length, 1)
  } catch (err) {
    await explain(err)
  } finally {
    await context.close()
  }
})

test('a dropped connection loses nothing: banner, REST fallback, catch-up after reconnect', async () => {
  const site = await createSite(admin, 'Flaky', { allowed_origins: [host.origin] })
  const agent = await createAgent(admin, site)
  const context = await browser.newContext()
  // Every socket of the widget goes through here, so the test can cut it.
  let blocked = false
  const routes = []
  await context.routeWebSocket(/\/ws\?ticket=/, (ws) => {
    if (blocked) {
      ws.close({ code: 1012, reason: 'restart' })
      return
    }
    ws.connectToServer()
    routes.push(ws)
  })
  const page = await context.newPage()
  page.setDefaultTimeout(20_000)
  const { explain } = watch(page)
  try {
    await page.goto(host.url('/', site.public_key))
    await page.getByTestId('parley-launcher').click()
    const f = frameOf(page)
    await f.getByTestId('parley-input').fill('before the drop')
    await f.getByTestId('parley-send').click()
    await f.locator('[data-testid="parley-message"]:not([data-pending])').filter({ hasText: 'before the drop' }).waitFor()
    const conv = await conversationOf(agent)
    await page.waitForTimeout(300)

    blocked = true
    for (const ws of routes.splice(0)) await ws.close({ code: 1012, reason: 'restart' })
    await f.getByTestId('parley-offline').waitFor()
    await agentSay(agent, conv.id, 'said while you were away')
    await f.getByTestId('parley-input').fill('sent while offline')
    await f.getByTestId('parley-send').click()
    // Confirmed over REST while the socket is down.
    await f.locator('[data-testid="parley-message"]:not([data-pending])').filter({ hasText: 'sent while offline' }).waitFor()

    blocked = false
    await f.getByTestId('parley-offline').waitFor({ state: 'hidden', timeout: 40_000 })
    await messageWithText(f, 'said while you were away').waitFor()
    const bodies = (await f.getByTestId('parley-message-body').allTextContents()).filter((b) => !/assigned|joined|took/i.test(b))
    assert.deepEqual(bodies.sort(), ['before the drop', 'said while you were away', 'sent while offline'].sort())
    const server = await restOk('GET', `/api/v1/conversations/${conv.id}/messages?limit=50`, undefined, agent.token)
    assert.equal(server.items.filter((m) => m.body === 'sent while offline').length, 1, 'stored once')
  } catch (err) {
    await explain(err)
  } finally {
    await context.close()
  }
})

/** A tiny RGB PNG, w×h, drawn here: the bytes a visitor would attach. */
function makePNG(w, h) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c >>> 0
  })
  const crc = (buf) => {
    let c = 0xffffffff
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
    return (c ^ 0xffffffff) >>> 0
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const sum = Buffer.alloc(4)
    sum.writeUInt32BE(crc(body))
    return Buffer.concat([len, body, sum])
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(w, 0)
  header.writeUInt32BE(h, 4)
  header[8] = 8 // bit depth
  header[9] = 2 // RGB
  const rows = []
  for (let y = 0; y < h; y++) {
    rows.push(0)
    for (let x = 0; x < w; x++) rows.push(Math.floor((x * 255) / w), Math.floor((y * 255) / h), 160)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.from(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

test('a visitor attaches a picture: the agent gets it and the widget shows the thumbnail', async () => {
  const site = await createSite(admin, 'Pictures', { allowed_origins: [host.origin] })
  const agent = await createAgent(admin, site)
  const context = await browser.newContext()
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  const { explain } = watch(page)
  try {
    await page.goto(host.url('/', site.public_key))
    await page.getByTestId('parley-launcher').click()
    const f = frameOf(page)
    await f.getByTestId('parley-input').fill('Here is the broken part')
    await f.getByTestId('parley-send').click()
    await messageWithText(f, 'Here is the broken part').and(f.locator(':not([data-pending])')).waitFor()

    await f.getByTestId('parley-file').setInputFiles({ name: 'part.png', mimeType: 'image/png', buffer: makePNG(24, 16) })
    const thumb = f.locator('[data-testid="parley-message"]:not([data-pending]) [data-testid="parley-attachment-image"]')
    await thumb.waitFor()
    const loaded = () => thumb.evaluate((img) => img.complete && img.naturalWidth > 0)
    for (let i = 0; i < 50 && !(await loaded()); i++) await new Promise((r) => setTimeout(r, 200))
    assert.ok(await loaded(), 'the thumbnail loads through its signed URL')

    const conv = await conversationOf(agent)
    const history = await restOk('GET', `/api/v1/conversations/${conv.id}/messages?limit=50`, undefined, agent.token)
    const pic = history.items.find((m) => m.kind === 'image')
    assert.ok(pic, `no image message in ${JSON.stringify(history.items)}`)
    assert.equal(pic.sender.kind, 'visitor')
    assert.equal(pic.attachment.mime, 'image/png')
    assert.equal(pic.attachment.name, 'part.png')
    assert.deepEqual([pic.attachment.width, pic.attachment.height], [24, 16])
    assert.equal((await fetch(pic.attachment.url)).status, 200)

    // Click to enlarge; Escape closes the picture.
    await thumb.click()
    await f.getByTestId('parley-lightbox').locator('img').waitFor()
    await f.getByTestId('parley-lightbox').press('Escape')
    await f.getByTestId('parley-lightbox').waitFor({ state: 'hidden' })
  } catch (err) {
    await explain(err)
  } finally {
    await context.close()
  }
})
