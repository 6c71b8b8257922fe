// Enforces the size budgets from the design: the loader at most 5 KB gzipped,
// the whole widget (loader + frame page and its assets) at most 40 KB gzipped.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

const LOADER_BUDGET = 5 * 1024
const TOTAL_BUDGET = 40 * 1024

const gz = (file) => gzipSync(readFileSync(file), { level: 9 }).length

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? files(p) : [p]
  })
}

const loader = gz('dist/widget.js')
const all = files('dist').filter((f) => /\.(js|css|html)$/.test(f))
const total = all.reduce((sum, f) => sum + gz(f), 0)
console.log(`widget.js: ${loader} B gzipped (budget ${LOADER_BUDGET}); whole widget: ${total} B gzipped (budget ${TOTAL_BUDGET})`)
if (loader > LOADER_BUDGET || total > TOTAL_BUDGET) {
  console.error('size budget exceeded')
  process.exit(1)
}
