// Runs Lighthouse (mobile, its default throttling) against a running Parley
// with the system's Chromium and prints the category scores.
//   PARLEY_URL=http://127.0.0.1:8080 node scripts/lighthouse.mjs [path ...]
// Paths default to the sign-in page, /console/#/login. A first-run server
// (no admin yet) shows the setup page there instead. --json prints the
// scores and the main metrics as JSON. A measurement, not a test: it fails
// only when Lighthouse cannot run.
import * as chromeLauncher from 'chrome-launcher'
import lighthouse from 'lighthouse'

const BASE = (process.env.PARLEY_URL || 'http://127.0.0.1:8080').replace(/\/$/, '')
const args = process.argv.slice(2)
const json = args.includes('--json')
const paths = args.filter((a) => a !== '--json')
if (paths.length === 0) paths.push('/console/#/login')

const METRICS = ['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time', 'cumulative-layout-shift', 'speed-index']

const chrome = await chromeLauncher.launch({
  chromePath: process.env.PARLEY_CHROMIUM || '/usr/bin/chromium',
  chromeFlags: ['--headless', '--no-sandbox', '--disable-gpu'],
})
const results = []
try {
  for (const path of paths) {
    const url = BASE + path
    const r = await lighthouse(url, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['performance', 'accessibility', 'best-practices', 'seo'],
    })
    const lhr = r.lhr
    if (lhr.runtimeError) throw new Error(`${url}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`)
    const scores = Object.fromEntries(Object.entries(lhr.categories).map(([k, c]) => [k, Math.round(c.score * 100)]))
    const metrics = Object.fromEntries(METRICS.map((m) => [m, lhr.audits[m]?.displayValue]))
    results.push({ url, formFactor: lhr.configSettings.formFactor, scores, metrics })
  }
} finally {
  await chrome.kill()
}
if (json) {
  console.log(JSON.stringify(results, null, 2))
} else {
  for (const r of results) {
    console.log(`${r.url} (${r.formFactor})`)
    for (const [k, v] of Object.entries(r.scores)) console.log(`  ${k.padEnd(15)} ${v}`)
    for (const [k, v] of Object.entries(r.metrics)) console.log(`  ${k.padEnd(25)} ${v}`)
  }
}
