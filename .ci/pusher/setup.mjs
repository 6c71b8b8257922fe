// Prepares the two fresh nodes for the client tests: the first admin
// through POST /api/v1/setup, a site, and the site's Pusher settings as an
// admin reads them. Writes {nodes, admin_token, admin_id, site_id, pusher} to the
// file named by its first argument.
// Usage: node setup.mjs OUT NODE1_URL NODE2_URL
import { writeFileSync } from 'node:fs'

const [out, node1, node2] = process.argv.slice(2)

async function call(method, path, body, token, expected) {
  const headers = { Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (token) headers.Authorization = `Bearer ${token}`
  const res = await fetch(node1 + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  if (res.status !== expected) throw new Error(`${method} ${path} answered ${res.status}: ${text}`)
  return JSON.parse(text)
}

const session = await call('POST', '/api/v1/setup',
  { username: 'admin', email: 'admin@example.com', password: 'correct horse battery', nickname: 'Ada Admin' }, undefined, 201)
const token = session.access_token
const site = await call('POST', '/api/v1/sites', { name: 'Pusher clients' }, token, 201)
const read = await call('GET', `/api/v1/sites/${site.id}`, undefined, token, 200)
const pusher = read.pusher
for (const field of ['app_id', 'key', 'secret', 'host', 'port', 'scheme']) {
  if (pusher?.[field] === undefined || pusher[field] === '') {
    throw new Error(`GET /api/v1/sites/${site.id} gives no pusher.${field}: ${JSON.stringify(read)}`)
  }
}
writeFileSync(out, JSON.stringify({ nodes: [node1, node2], admin_token: token, admin_id: session.user.id, site_id: site.id, pusher }, null, 2))
console.log(`site ${site.id}: Pusher app ${pusher.app_id}, key ${pusher.key}, ${pusher.scheme}://${pusher.host}:${pusher.port}`)
