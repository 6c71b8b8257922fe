// Renders the app icons (public/icons/*.png) from public/favicon.svg with the
// system's Chromium. Run once after changing the favicon:
//   node scripts/gen-icons.mjs
// The PNGs are committed; the build does not run this.
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const root = fileURLToPath(new URL('..', import.meta.url))
const svg = readFileSync(root + 'public/favicon.svg', 'utf8')
// The maskable icon fills the whole square with the brand colour and keeps
// the letter inside the safe zone (the middle 80% circle).
const glyph = svg.match(/<path[^>]*\/>/)[0]
const maskable =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" fill="#3b5bdb"/>' +
  `<g transform="translate(16 16) scale(0.62) translate(-16 -16)">${glyph}</g></svg>`

const icons = [
  { file: 'icon-192.png', size: 192, svg },
  { file: 'icon-512.png', size: 512, svg },
  { file: 'icon-maskable-512.png', size: 512, svg: maskable },
]

const browser = await chromium.launch({ executablePath: process.env.PARLEY_CHROMIUM || '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] })
try {
  for (const icon of icons) {
    const page = await browser.newPage({ viewport: { width: icon.size, height: icon.size } })
    const src = 'data:image/svg+xml;base64,' + Buffer.from(icon.svg).toString('base64')
    await page.setContent(`<html><body style="margin:0;background:transparent"><img src="${src}" width="${icon.size}" height="${icon.size}" style="display:block"></body></html>`)
    await page.screenshot({ path: root + 'public/icons/' + icon.file, omitBackground: true })
    await page.close()
  }
  // public/favicon.ico, for browsers that ask for it whatever the page
  // links: one 32 px PNG in an ICO container.
  const page = await browser.newPage({ viewport: { width: 32, height: 32 } })
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg.replace('<svg', '<svg width="32" height="32" style="display:block"')}</body></html>`)
  const png = await page.screenshot({ omitBackground: true })
  await page.close()
  const header = Buffer.alloc(22)
  header.writeUInt16LE(0, 0) // reserved
  header.writeUInt16LE(1, 2) // an icon
  header.writeUInt16LE(1, 4) // one image
  header.writeUInt8(32, 6) // width
  header.writeUInt8(32, 7) // height
  header.writeUInt16LE(1, 10) // colour planes
  header.writeUInt16LE(32, 12) // bits per pixel
  header.writeUInt32LE(png.length, 14)
  header.writeUInt32LE(22, 18) // offset of the image
  writeFileSync(root + 'public/favicon.ico', Buffer.concat([header, png]))
} finally {
  await browser.close()
}
