// Writes a brotli (.br) and a gzip (.gz) copy next to each compressible
// file of a build, for the Go server to send by Accept-Encoding. A copy
// that would not save at least a tenth of the file is not written.
//   node scripts/precompress.mjs dist
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|webmanifest|txt|ico|map)$/
const dir = process.argv[2] || 'dist'

function files(d) {
  return readdirSync(d).flatMap((name) => {
    const p = join(d, name)
    return statSync(p).isDirectory() ? files(p) : [p]
  })
}

let plain = 0
let br = 0
let gz = 0
for (const file of files(dir).filter((f) => COMPRESSIBLE.test(f))) {
  const data = readFileSync(file)
  const variants = {
    '.br': brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }),
    '.gz': gzipSync(data, { level: 9 }),
  }
  for (const [suffix, packed] of Object.entries(variants)) {
    if (packed.length > data.length * 0.9) continue
    writeFileSync(file + suffix, packed)
    if (suffix === '.br') br += packed.length
    else gz += packed.length
  }
  plain += data.length
}
const kib = (n) => (n / 1024).toFixed(1) + ' KiB'
console.log(`precompressed ${dir}: ${kib(plain)} → brotli ${kib(br)}, gzip ${kib(gz)} (files that shrink)`)
