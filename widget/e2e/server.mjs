// A Parley server of a test's own (not the shared one .ci/browser starts):
// the binary `make build` left in bin/, on a free loopback port with a fresh
// data dir, which the test may stop (SIGTERM) and start again on the same
// port and data dir, as an operator restarting the service would.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const BINARY = join(ROOT, 'bin', 'parley')
const READY_MS = 30_000
const EXIT_MS = 20_000

async function freePort() {
  const s = createServer()
  await new Promise((r, j) => s.once('error', j).listen(0, '127.0.0.1', r))
  const { port } = s.address()
  await new Promise((r) => s.close(r))
  return port
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** p, or null after ms; the timer never outlives the race (nor keeps node --test waiting). */
async function within(p, ms) {
  let timer
  try {
    return await Promise.race([p, new Promise((r) => (timer = setTimeout(() => r(null), ms)))])
  } finally {
    clearTimeout(timer)
  }
}

export class OwnServer {
  /** A fresh data dir and a free port; start() runs the process. */
  static async create() {
    if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run \`make build\` first`)
    const s = new OwnServer()
    s.port = await freePort()
    s.base = `http://127.0.0.1:${s.port}`
    s.dataDir = await mkdtemp(join(tmpdir(), 'parley-restart-'))
    return s
  }

  constructor() {
    this.child = null
    this.exited = null
    this.log = []
    this.starts = 0
  }

  /** Starts bin/parley and waits (bounded) for /readyz to answer 200. */
  async start() {
    if (this.child) throw new Error('the server is already running')
    this.starts++
    const run = this.starts
    const child = spawn(BINARY, ['serve', '--addr', `127.0.0.1:${this.port}`, '--data-dir', this.dataDir], {
      cwd: ROOT,
      env: {
        ...process.env, PARLEY_PUBLIC_URL: this.base, PARLEY_LOGIN_LIMIT_PER_IP: '1000',
        PARLEY_WIDGET_SESSION_LIMIT_PER_IP: '100000', PARLEY_WIDGET_SITE_LIMIT_PER_IP: '100000', PARLEY_TICKET_LIMIT_PER_MINUTE: '100000', PARLEY_UPLOAD_VISITOR_LIMIT: '100000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.child = child
    this.exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })))
    const keep = (chunk) => {
      for (const line of String(chunk).split('\n')) if (line) this.log.push(`[run ${run}] ${line}`)
      if (this.log.length > 400) this.log.splice(0, this.log.length - 400)
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    child.once('error', (e) => keep(`spawn error: ${e.message}`))

    const deadline = Date.now() + READY_MS
    let gone = false
    void this.exited.then(() => (gone = true))
    for (;;) {
      if (gone) throw new Error(`parley exited before becoming ready\n${this.tail()}`)
      try {
        const r = await fetch(`${this.base}/readyz`, { signal: AbortSignal.timeout(2000) })
        if (r.status === 200) return
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`parley did not answer 200 on /readyz within ${READY_MS / 1000} s\n${this.tail()}`)
      await sleep(200)
    }
  }

  /** SIGTERM, then waits (bounded) for the process to exit; resolves {code, signal}. */
  async stop() {
    const child = this.child
    if (!child) return null
    child.kill('SIGTERM')
    const result = await within(this.exited, EXIT_MS)
    if (!result) {
      child.kill('SIGKILL')
      await within(this.exited, 5000)
      this.child = null
      throw new Error(`parley did not exit within ${EXIT_MS / 1000} s of SIGTERM\n${this.tail()}`)
    }
    this.child = null
    return result
  }

  /** Stops the process if it still runs (by its PID, bounded) and removes the data dir. */
  async dispose() {
    try {
      await this.stop()
    } catch {
      // Killed; the log was in the error.
    }
    await rm(this.dataDir, { recursive: true, force: true })
  }

  tail(n = 60) {
    return `--- own parley server log (last ${n} lines)\n${this.log.slice(-n).join('\n')}`
  }
}
