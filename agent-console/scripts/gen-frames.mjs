// Generates the WebSocket frame types from the message schemas of Parley's
// AsyncAPI document (the file the server embeds and serves at
// /api/asyncapi.json). Run before build, test and type-check.
//
//   node scripts/gen-frames.mjs [output]   (default: src/generated/frames.ts)
//
// The widget calls this same script with its own output path; each package
// lists json-schema-to-typescript as a devDependency, so it is loaded from
// the package the script runs in.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const { compile } = createRequire(join(process.cwd(), 'package.json'))('json-schema-to-typescript')

const here = dirname(fileURLToPath(import.meta.url))
const docPath = `${here}/../../internal/httpapi/asyncapi.json`
const outPath = resolve(process.argv[2] ?? `${here}/../src/generated/frames.ts`)

const doc = JSON.parse(await readFile(docPath, 'utf8'))
// Components become definitions, named after their keys; the two operations
// become the unions ServerFrame (receive) and ClientFrame (send).
const toDefinitions = (v) =>
  JSON.parse(JSON.stringify(v).replaceAll('"#/components/schemas/', '"#/definitions/'))
// A oneOf of bare "required" lists (a read frame names user_id or
// visitor_id) is a check TypeScript can't express: both stay optional.
const typeable = (schema) => {
  const s = { ...schema }
  if (s.oneOf?.every((alt) => Object.keys(alt).length === 1 && alt.required)) delete s.oneOf
  return s
}
// A schema that allows any JSON value (an event's data) is unknown.
const anyValue = (v) => {
  if (Array.isArray(v)) return v.map(anyValue)
  if (!v || typeof v !== 'object') return v
  const keys = Object.keys(v)
  if (keys.every((k) => k === 'description' || k === 'title') && keys.length > 0) {
    return { ...v, tsType: 'unknown' }
  }
  return Object.fromEntries(keys.map((k) => [k, anyValue(v[k])]))
}
const definitions = {}
for (const [name, schema] of Object.entries(doc.components.schemas)) {
  definitions[name] = { ...anyValue(typeable(toDefinitions(schema))), title: name }
}
const payloadsOf = (op) =>
  doc.operations[op].messages.map((m) => {
    const key = m.$ref.split('/').pop()
    return toDefinitions(doc.components.messages[key].payload)
  })
const root = {
  title: 'Frames',
  description: 'Every frame of the WebSocket, by direction.',
  type: 'object',
  additionalProperties: false,
  properties: {
    server: { title: 'ServerFrame', anyOf: payloadsOf('receive') },
    client: { title: 'ClientFrame', anyOf: payloadsOf('send') },
  },
  definitions,
}
const ts = await compile(root, 'Frames', {
  bannerComment:
    '/* Generated from internal/httpapi/asyncapi.json by scripts/gen-frames.mjs: do not edit. */',
  additionalProperties: false,
  unreachableDefinitions: true,
  strictIndexSignatures: true,
  format: true,
  style: { semi: false, singleQuote: true, printWidth: 100 },
})
await mkdir(dirname(outPath), { recursive: true })
await writeFile(outPath, ts)
