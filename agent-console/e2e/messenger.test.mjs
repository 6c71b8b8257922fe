// Messenger basics in the console: clickable links (http, https, mailto
// only), the unread count in the tab title and on the favicon, the emoji
// picker, a group created with picked friends, an avatar uploaded through
// media, and the group panel at 360 px (see .ci/browser, which starts
// Parley and sets PARLEY_URL).
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { deflateSync } from 'node:zlib'
import { after, before, test } from 'node:test'
import { BASE, adminToken, befriend, createUser, launch, openSignedIn, restOk } from './helpers.mjs'

let browser
let admin

before(async () => {
  browser = await launch()
  admin = await adminToken()
})

after(async () => {
  await browser?.close()
})

async function session(u) {
  return restOk('POST', '/api/v1/auth/login', { login: u.username, password: u.password })
}

async function direct(from, to, body) {
  const c = await restOk('POST', '/api/v1/conversations/direct', { user_id: to.user.id }, from.token)
  await restOk('POST', `/api/v1/conversations/${c.id}/messages`, { client_msg_id: randomUUID(), kind: 'text', body }, from.token, [200, 201])
  return c
}

/** A small solid PNG, built here so that the test needs no files. */
function png(w, h) {
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
    const td = Buffer.concat([Buffer.from(type), data])
    const c = Buffer.alloc(4)
    c.writeUInt32BE(crc(td))
    return Buffer.concat([len, td, c])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr[8] = 8
  ihdr[9] = 2
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(w * 3, 0x80)])
  const raw = Buffer.concat(Array.from({ length: h }, () => row))
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
}

test('links are clickable with rel=noopener, javascript: stays text, the title and favicon count unread', async () => {
  const ann = await createUser(admin, 'Ann')
  const ben = await createUser(admin, 'Ben')
  await befriend(ben.token, ann.token, ann)
  const conv = await direct(ben, ann, 'see https://example.com/docs. or mailto:help@example.com 看https://example.org谢谢 and javascript:alert(1)')
  const { page, context, explain } = await openSignedIn(browser, await session(ann))
  try {
    // The unread message shows in the title and as a badge on the favicon.
    await page.waitForFunction(() => /^\(1\) /.test(document.title))
    await page.waitForFunction(() => document.querySelector('link[rel~="icon"]')?.getAttribute('data-badge') === '1')
    const icon = await page.evaluate(() => document.querySelector('link[rel~="icon"]').href)
    assert.match(icon, /^data:image\/png/)

    await page.goto(`${BASE}/console/#/chats/${conv.id}`)
    const body = page.getByTestId('message-body').last()
    await body.waitFor()
    const links = body.getByTestId('message-link')
    assert.equal(await links.count(), 3)
    const got = await links.evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.textContent, a.target, a.rel]))
    assert.deepEqual(got, [
      ['https://example.com/docs', 'https://example.com/docs', '_blank', 'noopener noreferrer'],
      ['mailto:help@example.com', 'mailto:help@example.com', '_blank', 'noopener noreferrer'],
      ['https://example.org/', 'https://example.org', '_blank', 'noopener noreferrer'],
    ])
    assert.equal(await page.locator('a[href^="javascript:" i]').count(), 0)
    assert.match(await body.innerText(), /javascript:alert\(1\)/)
    // Read now: the count leaves the title and the badge leaves the icon.
    await page.waitForFunction(() => !/^\(\d+\) /.test(document.title))
    await page.waitForFunction(() => !document.querySelector('link[rel~="icon"]')?.hasAttribute('data-badge'))
  } catch (err) {
    await explain(err)
  } finally {
    await context.close()
  }
})

test('the emoji picker inserts at the caret, by keyboard too', async () => {
  const cal = await createUser(admin, 'Cal')
  const dee = await createUser(admin, 'Dee')
  await befriend(dee.token, cal.token, cal)
  const conv = await direct(dee, cal, 'hi')
  const { page, context, explain } = await openSignedIn(browser, await session(cal), `/chats/${conv.id}`)
  try {
    const input = page.getByTestId('composer-input')
    await input.fill('hello world')
    await input.evaluate((el) => el.setSelectionRange(5, 5))
    await page.getByTestId('composer-emoji').click()
    const picker = page.getByTestId('emoji-picker')
    await picker.waitFor()
    // The picker draws from the data the console serves itself.
    const first = picker.locator('button.emoji[role="menuitem"]').first()
    await first.waitFor()
    const emoji = await first.evaluate((b) => b.textContent.trim())
    await first.click()
    // The picker announces the pick once it has looked the emoji up, and
    // closes: wait for that rather than reading the box at once.
    await picker.waitFor({ state: 'detached' })
    const want = `hello${emoji} world`
    await page
      .waitForFunction((w) => document.querySelector('[data-testid="composer-input"]')?.value === w, want, { timeout: 5000 })
      .catch(() => {})
    assert.equal(await input.inputValue(), want)
    // Keyboard: open with Enter, Escape closes and gives the focus back.
    await page.getByTestId('composer-emoji').focus()
    await page.keyboard.press('Enter')
    await page.getByTestId('emoji-picker').waitFor()
    await page.keyboard.press('Escape')
    await page.getByTestId('emoji-picker').waitFor({ state: 'detached', timeout: 5000 })
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'composer-emoji')
  } catch (err) {
    await explain(err)
  } finally {
    await context.close()
  }
})

test('a group is created with the friends picked, gets a picture, and its panel fits 360 px', async () => {
  const eve = await createUser(admin, 'Eve')
  const fay = await createUser(admin, 'Fay')
  const gus = await createUser(admin, 'Gus')
  await befriend(fay.token, eve.token, eve)
  await befriend(gus.token, eve.token, eve)
  const { page, context, explain } = await openSignedIn(browser, await session(eve), '/groups')
  try {
    await page.getByTestId('group-create-open').click()
    await page.getByTestId('group-create-name').fill('Picnic')
    await page.getByTestId('member-picker-search').fill(fay.username)
    await page.getByTestId(`member-pick-${fay.username}`).check()
    await page.getByTestId('member-picker-search').fill('')
    await page.getByTestId(`member-pick-${gus.username}`).check()
    await page.getByTestId('group-create-submit').click()
    await page.waitForURL(/#\/groups\/\d+/)
    const id = Number(/groups\/(\d+)/.exec(page.url())[1])
    const members = await restOk('GET', `/api/v1/groups/${id}/members`, undefined, eve.token)
    assert.deepEqual(members.items.map((m) => m.user.id).sort((a, b) => a - b), [eve.user.id, fay.user.id, gus.user.id].sort((a, b) => a - b))

    // The owner changes the group's picture: uploaded through media, shown
    // in the panel, and what members get from the API.
    await page.getByTestId('group-avatar-file').setInputFiles({ name: 'picnic.png', mimeType: 'image/png', buffer: png(40, 40) })
    const pic = page.getByTestId('group-avatar-image')
    await pic.waitFor()
    assert.match(await pic.getAttribute('src'), /^\/media\/avatars\/\d+$/)
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="group-avatar-image"]')
      return el && el.complete && el.naturalWidth === 40
    })
    const seen = await restOk('GET', `/api/v1/groups/${id}`, undefined, fay.token)
    assert.equal(seen.avatar_url, await pic.getAttribute('src'))

    await page.setViewportSize({ width: 360, height: 740 })
    await page.getByTestId('composer-input').waitFor()
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px at 360 px`)
    for (const id of ['composer-send', 'composer-emoji', 'composer-attach']) {
      const box = await page.getByTestId(id).boundingBox()
      assert.ok(box && box.x >= 0 && box.x + box.width <= 360, `${id} is out of reach at 360 px: ${JSON.stringify(box)}`)
    }
    const panel = page.locator('.group-panel')
    await panel.scrollIntoViewIfNeeded()
    const wide = await panel.evaluate((el) => el.scrollWidth - el.clientWidth)
    assert.ok(wide <= 0, `the group panel scrolls sideways by ${wide}px`)
  } catch (err) {
    await explain(err)
  } finally {
    await context.close()
  }
})

test('an avatar is uploaded through media and shown', async () => {
  const hal = await createUser(admin, 'Hal')
  const { page, context, explain } = await openSignedIn(browser, await session(hal), '/profile')
  try {
    await page.getByTestId('profile-avatar-file').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: png(48, 48) })
    await page.getByTestId('profile-saved').waitFor()
    const img = page.getByTestId('profile-avatar-image')
    await img.waitFor()
    assert.match(await img.getAttribute('src'), /^\/media\/avatars\/\d+$/)
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="profile-avatar-image"]')
      return el && el.complete && el.naturalWidth === 48
    })
    const me = await restOk('GET', '/api/v1/me', undefined, hal.token)
    assert.equal(me.avatar_url, await img.getAttribute('src'))
  } catch (err) {
    await explain(err)
  } finally {
    await context.close()
  }
})
