// Measures what the console's sign-in page costs a first visit: the scripts
// Chromium fetches until the form is shown, with their bytes on the wire
// (compressed when the server compresses) and decoded.
//   PARLEY_URL=http://127.0.0.1:8080 node scripts/signin-js.mjs
import { chromium } from 'playwright-core'

const BASE = (process.env.PARLEY_URL || 'http://127.0.0.1:8080').replace(/\/$/, '')
const browser = await chromium.launch({
  executablePath: process.env.PARLEY_CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
})
try {
  const context = await browser.newContext({ serviceWorkers: 'block' })
  const page = await context.newPage()
  const scripts = []
  page.on('requestfinished', (req) => {
    if (req.resourceType() === 'script') scripts.push(req)
  })
  await page.goto(`${BASE}/console/#/login`)
  await page.getByTestId('login-username').waitFor()
  await page.waitForLoadState('networkidle')
  let wire = 0
  let decoded = 0
  for (const req of scripts) {
    const sizes = await req.sizes()
    const res = await req.response()
    const body = res ? (await res.body()).length : 0
    wire += sizes.responseBodySize
    decoded += body
    const enc = res?.headers()['content-encoding'] || 'identity'
    console.log(`${new URL(req.url()).pathname}  ${sizes.responseBodySize} B on the wire (${enc}), ${body} B decoded`)
  }
  console.log(`sign-in page: ${scripts.length} scripts, ${(wire / 1024).toFixed(1)} KiB transferred, ${(decoded / 1024).toFixed(1)} KiB decoded`)
} finally {
  await browser.close()
}
