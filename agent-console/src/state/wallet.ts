import { reactive, watch } from 'vue'
import { ApiError } from '../lib/api'
import { formatMoney, t } from '../lib/i18n'
import {
  applyFrame,
  applyGrab,
  grabErrorText,
  stateFromDetails,
  stateFromPacket,
  type PacketState,
  type RedPacket,
  type RedPacketDetails,
  type RedPacketFrame,
} from '../lib/redPackets'
import type { Schemas } from '../lib/schemas'
import type { Message } from '../lib/types'
import { onServerFrame, receiveMessages } from './chat'
import { api, session } from './session'

export type WalletEntry = Schemas['WalletEntry']

export const wallet = reactive({
  balance_cents: null as number | null,
  entries: [] as WalletEntry[],
  next_cursor: null as string | null,
  loading: false,
  error: '',
  packets: {} as Record<number, PacketState>,
})

const me = () => session.user?.id ?? null

onServerFrame((f) => {
  if (f.type !== 'red_packet') return
  const frame: RedPacketFrame = f
  const held = wallet.packets[frame.id]
  if (held) wallet.packets[frame.id] = applyFrame(held, frame, me())
  // A share I took in another tab changes my balance.
  if (frame.claimed_by && frame.claimed_by.user_id === me() && wallet.balance_cents !== null) void loadWallet()
})

export async function loadWallet(more = false): Promise<void> {
  wallet.loading = true
  wallet.error = ''
  try {
    const q = more && wallet.next_cursor ? `?cursor=${encodeURIComponent(wallet.next_cursor)}` : ''
    const r = await api.get<{ balance_cents: number; entries: WalletEntry[] | null; next_cursor: string | null }>(`/api/v1/wallet${q}`)
    wallet.balance_cents = r.balance_cents
    wallet.entries = more ? [...wallet.entries, ...(r.entries ?? [])] : (r.entries ?? [])
    wallet.next_cursor = r.next_cursor ?? null
  } catch (err) {
    wallet.error = (err as Error).message
  } finally {
    wallet.loading = false
  }
}

/** Remembers the packet of a red_packet message (the envelope reads it from here). */
export function trackPacket(p: RedPacket): PacketState {
  wallet.packets[p.id] = stateFromPacket(p, wallet.packets[p.id])
  return wallet.packets[p.id]
}

const detailsLoading = new Map<number, Promise<void>>()

export function loadDetails(id: number, force = false): Promise<void> {
  const held = wallet.packets[id]
  if (held?.detailed && !force) return Promise.resolve()
  let p = detailsLoading.get(id)
  if (!p || force) {
    p = api
      .get<RedPacketDetails>(`/api/v1/red-packets/${id}`)
      .then((d) => {
        wallet.packets[id] = stateFromDetails(d, me())
      })
      .finally(() => detailsLoading.delete(id))
    detailsLoading.set(id, p)
  }
  return p
}

/** Grabs a share; resolves my amount in cents, or throws an Error with a readable message. */
export async function grabPacket(id: number): Promise<number> {
  const user = session.user
  if (!user) throw new Error(t('error.signInFirst'))
  try {
    const r = await api.post<{ amount_cents: number; balance_cents: number; red_packet: RedPacket }>(`/api/v1/red-packets/${id}/grab`, {})
    const held = wallet.packets[id] ?? stateFromPacket(r.red_packet)
    wallet.packets[id] = applyGrab(held, r, { id: user.id, name: user.nickname || user.username })
    wallet.balance_cents = r.balance_cents
    return r.amount_cents
  } catch (err) {
    if (err instanceof ApiError) {
      const text = grabErrorText(err.code)
      if (text) {
        void loadDetails(id, true).catch(() => undefined)
        throw new Error(text)
      }
    }
    throw err
  }
}

/** Sends a red packet; the same client_msg_id on a retry never debits twice. */
export async function sendRedPacket(
  conversationId: number,
  body: { total_cents: number; count: number; kind: 'lucky' | 'equal'; greeting: string },
  clientMsgId: string,
): Promise<void> {
  try {
    const r = await api.post<{ red_packet: RedPacket; message: Message }>(`/api/v1/conversations/${conversationId}/red-packets`, {
      ...body,
      client_msg_id: clientMsgId,
    })
    trackPacket(r.red_packet)
    if (r.message) receiveMessages([r.message])
    if (wallet.balance_cents !== null) wallet.balance_cents -= body.total_cents
  } catch (err) {
    if (err instanceof ApiError && err.code === 'insufficient_funds') {
      const bal = wallet.balance_cents
      throw new Error(bal === null ? t('error.balanceLow') : t('error.balanceLowIs', { amount: formatMoney(bal) }))
    }
    throw err
  }
}

export function resetWallet(): void {
  wallet.balance_cents = null
  wallet.entries = []
  wallet.next_cursor = null
  wallet.packets = {}
}

// Another account signed in (or out): forget the last one's wallet.
watch(
  () => session.user?.id,
  () => resetWallet(),
)
