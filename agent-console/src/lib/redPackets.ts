// Red packets: what the envelope shows, kept live from `red_packet` frames,
// and the checks of the send dialog.
import { t } from './i18n'
import { amountError, formatCents, parseCents } from './money'
import type { ServerFrame } from '../generated/frames'
import type { Schemas } from './schemas'

export type PacketStatus = Schemas['RedPacket']['status']

export type RedPacket = Schemas['RedPacket']

export type Claim = Schemas['RedPacketClaim']

export type RedPacketDetails = Schemas['RedPacketDetails']

/** The `red_packet` frame, as the AsyncAPI document describes it. */
export type RedPacketFrame = Extract<ServerFrame, { type: 'red_packet' }>

/** What the console knows about one packet. */
export interface PacketState {
  packet: RedPacket
  /** Claims in the order taken, when the details were loaded or frames told. */
  claims: Claim[]
  /** My share, once known (grab answer, details, or a frame naming me). */
  mine: Claim | null
  luckiest: Claim | null
  /** The details were loaded (claims complete). */
  detailed: boolean
}

export function stateFromPacket(p: RedPacket, prev?: PacketState): PacketState {
  if (!prev) return { packet: { ...p }, claims: [], mine: null, luckiest: null, detailed: false }
  // A message re-read from the server may be older than what frames said.
  const fresher = p.remaining_count < prev.packet.remaining_count || (p.status !== 'open' && prev.packet.status === 'open')
  return fresher ? { ...prev, packet: { ...prev.packet, ...p } } : prev
}

export function stateFromDetails(d: RedPacketDetails, me: number | null): PacketState {
  const claims = d.claims ?? []
  const mine = d.my_claim ?? (me === null ? null : (claims.find((c) => c.user_id === me) ?? null))
  return { packet: { ...d }, claims, mine, luckiest: d.luckiest ?? null, detailed: true }
}

/** Applies a `red_packet` frame; counts only go down, statuses only leave `open`. */
export function applyFrame(s: PacketState, f: RedPacketFrame, me: number | null): PacketState {
  const packet = { ...s.packet }
  if (typeof f.remaining_count === 'number' && f.remaining_count < packet.remaining_count) packet.remaining_count = f.remaining_count
  if (f.status && f.status !== 'open') packet.status = f.status
  else if (packet.remaining_count === 0 && packet.status === 'open') packet.status = 'exhausted'
  let claims = s.claims
  let mine = s.mine
  const c = f.claimed_by
  if (c && !claims.some((x) => x.user_id === c.user_id)) claims = [...claims, c]
  if (c && me !== null && c.user_id === me) mine = c
  return { ...s, packet, claims, mine }
}

/** After my grab: my share and the packet as the server answered. */
export function applyGrab(s: PacketState, r: { amount_cents: number; red_packet: RedPacket }, me: { id: number; name: string }): PacketState {
  const mine: Claim = { user_id: me.id, name: me.name, amount_cents: r.amount_cents, claimed_at: new Date().toISOString() }
  const claims = s.claims.some((c) => c.user_id === me.id) ? s.claims : [...s.claims, mine]
  return { ...s, packet: { ...s.packet, ...r.red_packet }, claims, mine }
}

export type EnvelopeLook = 'grab' | 'mine' | 'claimed' | 'sent' | 'exhausted' | 'expired'

/**
 * What the envelope offers: a grab button while it is open and I have not
 * taken a share (and it is for me: in a direct chat the sender can't grab).
 */
export function envelopeLook(s: PacketState, opts: { me: number | null; direct: boolean }): EnvelopeLook {
  if (s.mine) return 'mine'
  const own = opts.me !== null && s.packet.sender_id === opts.me
  if (s.packet.status === 'expired') return 'expired'
  if (s.packet.status === 'exhausted' || s.packet.remaining_count <= 0) return 'exhausted'
  if (own && opts.direct) return 'sent'
  return 'grab'
}

/** The line under the greeting: "2 of 5 left · Lucky", "All 3 taken", … */
export function envelopeStatus(s: PacketState): string {
  const p = s.packet
  const kind = p.kind === 'lucky' ? t('packet.kindLucky') : t('packet.kindEqual')
  if (p.status === 'expired') return t('packet.expired', { taken: p.count - p.remaining_count, count: p.count })
  if (p.status === 'exhausted' || p.remaining_count <= 0) return t('packet.allTaken', { count: p.count, kind })
  return t('packet.left', { left: p.remaining_count, count: p.count, kind })
}

export interface SendForm {
  amount: string
  count: number
  kind: 'lucky' | 'equal'
  greeting: string
}

/** The request body, or the problems by field. `members` is the group size (1 in a direct chat: the count is 1). */
export function checkSend(
  f: SendForm,
  opts: { direct: boolean; members: number; maxCents?: number; balanceCents?: number | null },
): { body: { total_cents: number; count: number; kind: 'lucky' | 'equal'; greeting: string } | null; errors: Record<string, string> } {
  const errors: Record<string, string> = {}
  const max = opts.maxCents ?? 20000
  const amountProblem = amountError(f.amount, { max })
  if (amountProblem) errors.amount = amountProblem
  const count = Number(f.count)
  const maxCount = opts.direct ? 1 : Math.max(1, Math.min(100, opts.members))
  if (!Number.isInteger(count) || count < 1 || count > maxCount) {
    errors.count = opts.direct ? t('packet.directOne') : t('packet.countRange', { max: maxCount })
  }
  const cents = parseCents(f.amount)
  if (!errors.amount && !errors.count && cents !== null && cents < count) errors.amount = t('packet.atLeast', { amount: formatCents(count), count })
  if (!errors.amount && cents !== null && opts.balanceCents != null && cents > opts.balanceCents) {
    errors.amount = t('packet.yourBalance', { amount: formatCents(opts.balanceCents) })
  }
  if ([...f.greeting].length > 100) errors.greeting = t('packet.greetingLong')
  if (f.kind !== 'lucky' && f.kind !== 'equal') errors.kind = t('packet.chooseKind')
  if (Object.keys(errors).length || cents === null) return { body: null, errors }
  return { body: { total_cents: cents, count, kind: opts.direct ? 'equal' : f.kind, greeting: f.greeting.trim() }, errors }
}

/** Reasons of the grab refusals, for people. */
export function grabErrorText(code: string): string {
  switch (code) {
    case 'already_claimed':
      return t('packet.alreadyOpened')
    case 'exhausted':
      return t('packet.tooLate')
    case 'expired':
      return t('packet.hasExpired')
    case 'own_red_packet':
      return t('packet.forOther')
    default:
      return ''
  }
}
