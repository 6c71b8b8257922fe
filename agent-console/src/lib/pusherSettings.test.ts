import { describe, expect, it } from 'vitest'
import { rotatePusherSecret, type Site } from './adminApi'
import { HIDDEN_SECRET, PUSHER_SNIPPETS, pusherSnippet, type SitePusher } from './pusherSettings'
import type { Api } from './socialApi'

const pusher: SitePusher = {
  app_id: '42',
  key: 'pk_3f9a',
  secret: 's3cr3t-value',
  host: 'chat.example.com',
  port: 443,
  scheme: 'https',
}

// A site as GET /api/v1/sites/{id} answers an admin on a server with Pusher channels.
const site = {
  id: 7,
  name: 'Shop',
  public_key: 'site_pk',
  secret: 'site-secret',
  pusher,
} as unknown as Site

describe('Pusher snippets', () => {
  it('point pusher-js at the host, without the secret', () => {
    const s = pusherSnippet('pusherjs', site.pusher!)
    expect(s).toContain("new Pusher('pk_3f9a', {")
    expect(s).toContain("wsHost: 'chat.example.com'")
    expect(s).toContain('wsPort: 443')
    expect(s).toContain('wssPort: 443')
    expect(s).toContain('forceTLS: true')
    expect(s).toContain("enabledTransports: ['ws', 'wss']")
    expect(s).toContain("cluster: ''")
    expect(s).not.toContain('s3cr3t-value')
  })

  it('give Laravel every .env line it reads', () => {
    expect(pusherSnippet('laravel', pusher).split('\n')).toEqual([
      'BROADCAST_CONNECTION=pusher',
      'PUSHER_APP_ID=42',
      'PUSHER_APP_KEY=pk_3f9a',
      'PUSHER_APP_SECRET=s3cr3t-value',
      'PUSHER_HOST=chat.example.com',
      'PUSHER_PORT=443',
      'PUSHER_SCHEME=https',
      'PUSHER_APP_CLUSTER=mt1',
    ])
  })

  it('build the PHP and Node SDK clients in their argument order', () => {
    const php = pusherSnippet('php', pusher)
    expect(php).toContain("new Pusher\\Pusher('pk_3f9a', 's3cr3t-value', '42', [")
    expect(php).toContain("'host' => 'chat.example.com'")
    expect(php).toContain("'port' => 443")
    expect(php).toContain("'scheme' => 'https'")
    expect(php).toContain("'useTLS' => true")
    const node = pusherSnippet('node', pusher)
    expect(node).toContain("appId: '42'")
    expect(node).toContain("secret: 's3cr3t-value'")
    expect(node).toContain("host: 'chat.example.com'")
    expect(node).toContain("port: '443'")
    expect(node).toContain('useTLS: true')
  })

  it('use plain WebSockets on an http server', () => {
    const plain = { ...pusher, scheme: 'http' as const, port: 8080 }
    expect(pusherSnippet('pusherjs', plain)).toContain('forceTLS: false')
    expect(pusherSnippet('laravel', plain)).toContain('PUSHER_SCHEME=http\n')
    expect(pusherSnippet('node', plain)).toContain('useTLS: false')
  })

  it('hide the secret until asked, in every snippet', () => {
    for (const kind of PUSHER_SNIPPETS) {
      const hidden = pusherSnippet(kind, pusher, true)
      expect(hidden, kind).not.toContain('s3cr3t-value')
    }
    expect(pusherSnippet('laravel', pusher, true)).toContain(`PUSHER_APP_SECRET=${HIDDEN_SECRET}`)
  })

  it('escape quotes so a snippet stays valid code', () => {
    const odd = { ...pusher, key: "it's\\odd" }
    expect(pusherSnippet('pusherjs', odd)).toContain("new Pusher('it\\'s\\\\odd', {")
  })
})

describe('rotating the Pusher secret', () => {
  it('posts to the site and answers the site with its new pusher settings', async () => {
    const calls: Array<{ path: string; body: unknown }> = []
    const rotated = { ...site, pusher: { ...pusher, secret: 'new-secret' } }
    const api = { post: async (path: string, body: unknown) => (calls.push({ path, body }), rotated) } as unknown as Api
    const s = await rotatePusherSecret(api, 7)
    expect(calls).toEqual([{ path: '/api/v1/sites/7/pusher/rotate', body: {} }])
    expect(s.pusher?.secret).toBe('new-secret')
  })
})
