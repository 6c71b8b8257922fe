// Generates TypeScript types from Parley's OpenAPI document.
//
// The document is kept in internal/httpapi/openapi/ as base.json plus one
// file per surface; like internal/httpapi/openapi.go, this merges every
// file's "paths" and "components.schemas" into base.json, then hands the
// result to openapi-typescript.
//
//   node scripts/gen-api-types.mjs [output]   (default: src/generated/api.ts)
//
// The widget calls this same script with its own output path; each package
// lists openapi-typescript as a devDependency, so it is loaded from the
// package the script runs in.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const { default: openapiTS, astToString } = createRequire(join(process.cwd(), 'package.json'))('openapi-typescript')

const here = dirname(fileURLToPath(import.meta.url))
const docDir = resolve(here, '../../internal/httpapi/openapi')
const out = resolve(process.argv[2] || join(here, '../src/generated/api.ts'))

function read(name) {
  const file = join(docDir, name)
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    throw new Error(`${file}: ${e.message}`)
  }
}

function merge(dst, key, src, file) {
  if (!src || typeof src !== 'object') return
  dst[key] ??= {}
  for (const [k, v] of Object.entries(src)) {
    if (k in dst[key]) throw new Error(`${file}: ${key} "${k}" is defined twice`)
    dst[key][k] = v
  }
}

const doc = read('base.json')
for (const name of readdirSync(docDir).filter((n) => n.endsWith('.json') && n !== 'base.json').sort()) {
  const part = read(name)
  merge(doc, 'paths', part.paths, name)
  merge(doc.components, 'schemas', part.components?.schemas, name)
}

const ast = await openapiTS(doc)
const header = '// Generated from internal/httpapi/openapi/*.json by scripts/gen-api-types.mjs. Do not edit.\n\n'
mkdirSync(dirname(out), { recursive: true })
writeFileSync(out, header + astToString(ast))
