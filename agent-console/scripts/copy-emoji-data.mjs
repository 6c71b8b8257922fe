// Copies the emoji picker's data (English and Simplified Chinese) from the
// emoji-picker-element-data package into public/emoji/, so that the console
// serves it itself: the picker never fetches from a CDN.
import { copyFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const from = join(root, 'node_modules', 'emoji-picker-element-data')
const to = join(root, 'public', 'emoji')
mkdirSync(to, { recursive: true })
copyFileSync(join(from, 'en', 'emojibase', 'data.json'), join(to, 'en.json'))
copyFileSync(join(from, 'zh', 'cldr', 'data.json'), join(to, 'zh-CN.json'))
