// Ready-to-copy settings that point Pusher's SDKs at Parley: a site is also
// a Pusher Channels app (see README "Parley as your Pusher server").
import type { Schemas } from './schemas'

export type SitePusher = Schemas['SitePusher']

export type PusherSnippetKind = 'pusherjs' | 'laravel' | 'php' | 'node'

export const PUSHER_SNIPPETS: PusherSnippetKind[] = ['pusherjs', 'laravel', 'php', 'node']

/** What stands for the secret while it is hidden. */
export const HIDDEN_SECRET = '••••••••'

/** A single-quoted JavaScript or PHP string literal. */
function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

/**
 * The snippet of one kind for the app p. With hideSecret the secret is
 * replaced by dots, for the screen; the copy button copies the real one.
 */
export function pusherSnippet(kind: PusherSnippetKind, p: SitePusher, hideSecret = false): string {
  const secret = hideSecret ? HIDDEN_SECRET : p.secret
  const tls = p.scheme === 'https'
  switch (kind) {
    case 'pusherjs':
      return [
        `const pusher = new Pusher(${quote(p.key)}, {`,
        `  wsHost: ${quote(p.host)},`,
        `  wsPort: ${p.port},`,
        `  wssPort: ${p.port},`,
        `  forceTLS: ${tls},`,
        `  enabledTransports: ['ws', 'wss'],`,
        `  cluster: '',`,
        `  disableStats: true,`,
        `})`,
      ].join('\n')
    case 'laravel':
      return [
        'BROADCAST_CONNECTION=pusher',
        `PUSHER_APP_ID=${p.app_id}`,
        `PUSHER_APP_KEY=${p.key}`,
        `PUSHER_APP_SECRET=${secret}`,
        `PUSHER_HOST=${p.host}`,
        `PUSHER_PORT=${p.port}`,
        `PUSHER_SCHEME=${p.scheme}`,
        'PUSHER_APP_CLUSTER=mt1',
      ].join('\n')
    case 'php':
      return [
        `$pusher = new Pusher\\Pusher(${quote(p.key)}, ${quote(secret)}, ${quote(p.app_id)}, [`,
        `    'host' => ${quote(p.host)},`,
        `    'port' => ${p.port},`,
        `    'scheme' => ${quote(p.scheme)},`,
        `    'useTLS' => ${tls},`,
        `]);`,
      ].join('\n')
    case 'node':
      return [
        `const Pusher = require('pusher')`,
        `const pusher = new Pusher({`,
        `  appId: ${quote(p.app_id)},`,
        `  key: ${quote(p.key)},`,
        `  secret: ${quote(secret)},`,
        `  host: ${quote(p.host)},`,
        `  port: ${quote(String(p.port))},`,
        `  useTLS: ${tls},`,
        `})`,
      ].join('\n')
  }
}
