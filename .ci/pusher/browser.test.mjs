// pusher-js's browser build in Debian's Chromium (through playwright-core,
// no browser downloaded), on a host page of another origin than Parley's,
// receiving an event triggered through the HTTP API.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import { chromium } from 'playwright-core'
import { app, node, sdk, unique } from './helpers.mjs'

const require = createRequire(import.meta.url)
const pusherJs = readFileSync(require.resolve('pusher-js/dist/web/pusher.min.js'))
let site
let browser

before(async () => {
  // The host site: one page and the pusher-js build, as a site serves them.
  site = createServer((req, res) => {
    if (req.url === '/pusher.min.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(pusherJs)
    } else {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
        .end('<!doctype html><title>Shop</title><script src="/pusher.min.js"></script><p>Shop</p>')
    }
  })
  await new Promise((r) => site.listen(0, '127.0.0.1', r))
  browser = await chromium.launch({
    executablePath: process.env.PARLEY_CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
})

after(async () => {
  await browser?.close()
  await new Promise((r) => {
    site.close(r)
    site.closeAllConnections() // not wait for the browser's keep-alive connections
  })
})

test('pusher-js in Chromium on another origin receives an event triggered through the HTTP API', async () => {
  const page = await browser.newPage()
  // localhost and Parley's 127.0.0.1 are different origins.
  await page.goto(`http://localhost:${site.address().port}/`)
  const n = node(0)
  const name = unique('browser-')
  await page.evaluate(
    ({ key, host, port, name }) =>
      new Promise((resolve, reject) => {
        const p = new window.Pusher(key, { cluster: 'mt1', wsHost: host, wsPort: port, forceTLS: false, enabledTransports: ['ws'], disableStats: true })
        window.received = new Promise((got) => p.subscribe(name).bind('greeting', got))
        p.subscribe(name).bind('pusher:subscription_succeeded', resolve)
        p.connection.bind('failed', () => reject(new Error('failed')))
        p.connection.bind('unavailable', () => reject(new Error('unavailable')))
      }),
    { key: app.key, host: n.host, port: n.port, name },
  )
  assert.equal(await page.evaluate(() => location.origin), `http://localhost:${site.address().port}`)
  await sdk().trigger(name, 'greeting', { text: '你好, browser' })
  const data = await page.evaluate(() => Promise.race([window.received, new Promise((_, no) => setTimeout(() => no(new Error('no event in 10 s')), 10000))]))
  assert.deepEqual(data, { text: '你好, browser' })
  await page.close()
})
