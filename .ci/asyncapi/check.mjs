// Validates Parley's AsyncAPI document with the official AsyncAPI parser:
// node check.mjs path/to/asyncapi.json. Exits 1 on any error-level finding.
import { readFile } from 'node:fs/promises'
import { Parser } from '@asyncapi/parser'

const file = process.argv[2]
if (!file) {
  console.error('usage: node check.mjs asyncapi.json')
  process.exit(2)
}
const text = await readFile(file, 'utf8')
const { document, diagnostics } = await new Parser().parse(text)
const severities = ['error', 'warning', 'info', 'hint']
for (const d of diagnostics) {
  console.log(`${severities[d.severity] ?? d.severity} ${d.code} at /${d.path.join('/')}: ${d.message}`)
}
const errors = diagnostics.filter((d) => d.severity === 0)
if (!document || errors.length > 0) {
  console.error(`${file}: ${errors.length} error(s)`)
  process.exit(1)
}
const messages = document.allMessages().length
const operations = document.operations().length
console.log(`${file}: valid AsyncAPI ${document.version()} (${operations} operations, ${messages} messages)`)
