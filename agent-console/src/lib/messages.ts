import { hasMessage, locale, t, translate, type Locale } from './i18n'
import type { Message } from './types'

/**
 * Merges incoming messages into a list ordered by seq. The result is a new
 * array, ascending and unique by seq. A later copy of a message replaces the
 * earlier one, except that a recall is never undone by a stale copy (a page
 * fetched before the recall may arrive after it).
 */
export function mergeMessages(existing: readonly Message[], incoming: readonly Message[]): Message[] {
  if (incoming.length === 0) return existing.slice()
  const top = highestSeq(existing)
  // Fast path for the common case: new messages after everything held.
  if (isStrictlyAscending(incoming) && incoming[0].seq > top) return existing.concat(incoming)

  const bySeq = new Map<number, Message>()
  for (const m of existing) bySeq.set(m.seq, m)
  for (const m of incoming) {
    const held = bySeq.get(m.seq)
    if (held && held.recalled_at && !m.recalled_at) continue
    bySeq.set(m.seq, m)
  }
  return Array.from(bySeq.values()).sort((a, b) => a.seq - b.seq)
}

function isStrictlyAscending(list: readonly Message[]): boolean {
  for (let i = 1; i < list.length; i++) if (list[i].seq <= list[i - 1].seq) return false
  return true
}

/** The highest seq held, or 0 for an empty list. */
export function highestSeq(list: readonly Message[]): number {
  return list.length ? list[list.length - 1].seq : 0
}

/** The lowest seq held, or 0 for an empty list. */
export function lowestSeq(list: readonly Message[]): number {
  return list.length ? list[0].seq : 0
}

/**
 * Ranges of seqs missing between the lowest held message and `upTo` (for
 * example the conversation's last_seq), as inclusive [from, to] pairs.
 */
export function missingRanges(list: readonly Message[], upTo = highestSeq(list)): Array<[number, number]> {
  const out: Array<[number, number]> = []
  for (let i = 1; i < list.length; i++) {
    const prev = list[i - 1].seq
    const cur = list[i].seq
    if (cur > prev + 1) out.push([prev + 1, cur - 1])
  }
  const top = highestSeq(list)
  if (list.length && upTo > top) out.push([top + 1, upTo])
  return out
}

/**
 * Whether an incoming message leaves a hole after what is held: then the
 * client must fetch the gap (after_seq = highest held) rather than trust the
 * live stream. An empty list has no history loaded yet, so nothing to fill.
 */
export function leavesGap(list: readonly Message[], incoming: Message): boolean {
  return list.length > 0 && incoming.seq > highestSeq(list) + 1
}

/** Marks the message with this seq as recalled (a tombstone). */
export function applyRecall(list: readonly Message[], seq: number, at: string): Message[] {
  let changed = false
  const out = list.map((m) => {
    if (m.seq !== seq || m.recalled_at) return m
    changed = true
    return { ...m, body: '', attachment: undefined, recalled_at: at }
  })
  return changed ? out : (list as Message[])
}

/** Whether the sender may still recall: own message, not recalled, within two minutes. */
export function canRecall(m: Message, myUserId: number | null, now: number, windowMs = 2 * 60 * 1000): boolean {
  if (myUserId === null || m.recalled_at || m.sender.kind !== 'user') return false
  if (Number(m.sender.id) !== myUserId) return false
  const at = Date.parse(m.created_at)
  return Number.isFinite(at) && now - at < windowMs
}

/** A one-line preview for the conversation list. */
export function previewOf(m: Message | null | undefined): string {
  if (!m) return ''
  if (m.recalled_at) return t('preview.recalled')
  switch (m.kind) {
    case 'system':
      return systemText(m).replace(/\s+/g, ' ').trim()
    case 'text':
      return (m.body || '').replace(/\s+/g, ' ').trim()
    case 'image':
      return t('preview.image')
    case 'voice':
      return t('preview.voice')
    case 'video':
      return t('preview.video')
    case 'file':
      return t('preview.file')
    case 'red_packet':
      return t('preview.redPacket')
    case 'note':
      return t('preview.note', { text: (m.body || '').replace(/\s+/g, ' ').trim() })
    default:
      return m.body || ''
  }
}

/**
 * Whether a message is drawn as a centred grey line rather than a bubble:
 * what the server says happened (joins, leaves, kicks, mutes, role changes,
 * announcements). Either marker is enough; a system message never counts
 * as someone's own, whatever its sender id.
 */
export function isSystemMessage(m: (Pick<Message, 'kind' | 'sender'> & { automated?: boolean }) | null | undefined): boolean {
  // A site's automated reply reads as a message of the site, marked.
  return !!m && (m.kind === 'system' || (m.sender?.kind === 'system' && !m.automated))
}

/** A private note: agents see it, the visitor never does. */
export function isNote(m: Pick<Message, 'kind'> | null | undefined): boolean {
  return !!m && m.kind === 'note'
}

export type MessageLook = 'system' | 'note' | 'own' | 'visitor' | 'other'

/**
 * How a message is drawn: a centred system line, a yellow private note
 * (own or another agent's), my own bubble, a visitor's bubble, or
 * someone else's bubble.
 */
export function messageLook(m: Pick<Message, 'kind' | 'sender'>, myUserId: number | null): MessageLook {
  if (isSystemMessage(m)) return 'system'
  if (isNote(m)) return 'note'
  if (m.sender.kind === 'user' && myUserId !== null && Number(m.sender.id) === myUserId) return 'own'
  if (m.sender.kind === 'visitor') return 'visitor'
  return 'other'
}

/**
 * Whether "Seen" goes under the last message: it must be mine, one the
 * visitor sees (never a private note), and read by them.
 */
export function seenUnderLast(list: readonly Pick<Message, 'seq' | 'kind' | 'sender'>[], myUserId: number | null, seenSeq: number | undefined): boolean {
  const last = list[list.length - 1]
  if (!seenSeq || !last || myUserId === null) return false
  return last.kind !== 'note' && last.sender.kind === 'user' && Number(last.sender.id) === myUserId && last.seq <= seenSeq
}

/**
 * What a system message says, in the reader's language: the server stores
 * what happened as an event (a type and its people), and the console words
 * it. Messages stored before events existed, or of a type this console does
 * not know yet, show the body the server wrote.
 */
export function systemText(m: Pick<Message, 'body' | 'event'>, l: Locale = locale.value): string {
  const e = m.event
  if (!e) return m.body || ''
  const key = 'system.' + e.type + ((e.type === 'member_joined' || e.type === 'handed_to_agent') && e.via ? '.' + e.via : '')
  if (!hasMessage(key)) return m.body || ''
  const until = e.until ? new Date(e.until).toLocaleString(l, { dateStyle: 'medium', timeStyle: 'short' }) : ''
  return translate(l, key, {
    actor: e.actor?.name ?? '',
    target: e.target?.name ?? '',
    targets: new Intl.ListFormat(l, { type: 'conjunction' }).format((e.targets ?? []).map((u: { name: string }) => u.name)),
    by: e.by?.name ?? '',
    name: e.name ?? '',
    text: e.text ?? '',
    until,
  })
}
