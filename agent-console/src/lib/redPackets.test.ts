import { describe, expect, it } from 'vitest'
import { applyFrame, applyGrab, checkSend, envelopeLook, envelopeStatus, stateFromDetails, stateFromPacket, type RedPacket } from './redPackets'

const packet = (over: Partial<RedPacket> = {}): RedPacket => ({
  id: 9,
  conversation_id: 4,
  sender_id: 1,
  kind: 'lucky',
  total_cents: 1000,
  count: 3,
  greeting: 'Happy new year',
  remaining_count: 3,
  expires_at: '2025-01-02T12:00:00.000Z',
  status: 'open',
  ...over,
})
const claim = (user_id: number, amount_cents: number) => ({ user_id, name: `u${user_id}`, amount_cents, claimed_at: '2026-01-01T00:00:00Z' })

describe('red packet state from frames', () => {
  it('counts down and records claims once', () => {
    let s = stateFromPacket(packet())
    s = applyFrame(s, { type: 'red_packet', id: 9, conversation_id: 4, remaining_count: 2, status: 'open', claimed_by: claim(2, 400) }, 3)
    s = applyFrame(s, { type: 'red_packet', id: 9, conversation_id: 4, remaining_count: 2, status: 'open', claimed_by: claim(2, 400) }, 3)
    expect(s.packet.remaining_count).toBe(2)
    expect(s.claims).toHaveLength(1)
    expect(s.mine).toBeNull()
    s = applyFrame(s, { type: 'red_packet', id: 9, conversation_id: 4, remaining_count: 1, status: 'open', claimed_by: claim(3, 100) }, 3)
    expect(s.mine?.amount_cents).toBe(100)
    expect(envelopeLook(s, { me: 3, direct: false })).toBe('mine')
  })
  it('never goes back up on a late frame and closes when empty', () => {
    let s = stateFromPacket(packet({ remaining_count: 1 }))
    s = applyFrame(s, { type: 'red_packet', id: 9, conversation_id: 4, remaining_count: 2, status: 'open' }, null)
    expect(s.packet.remaining_count).toBe(1)
    s = applyFrame(s, { type: 'red_packet', id: 9, conversation_id: 4, remaining_count: 0, status: 'open' }, null)
    expect(s.packet.status).toBe('exhausted')
    expect(envelopeStatus(s)).toBe('All 3 taken · Lucky draw')
  })
  it('marks expiry', () => {
    const s = applyFrame(stateFromPacket(packet({ remaining_count: 2 })), { type: 'red_packet', id: 9, conversation_id: 4, status: 'expired', remaining_count: 2 }, 5)
    expect(envelopeLook(s, { me: 5, direct: false })).toBe('expired')
    expect(envelopeStatus(s)).toBe('Expired · 1 of 3 taken')
  })
  it('keeps fresher frame state when the message is read again', () => {
    const s = applyFrame(stateFromPacket(packet()), { type: 'red_packet', id: 9, conversation_id: 4, remaining_count: 1, status: 'open' }, null)
    expect(stateFromPacket(packet(), s).packet.remaining_count).toBe(1)
    expect(stateFromPacket(packet({ remaining_count: 0, status: 'exhausted' }), s).packet.status).toBe('exhausted')
  })
  it('knows my grab and the details', () => {
    const s = applyGrab(stateFromPacket(packet()), { amount_cents: 250, red_packet: packet({ remaining_count: 2 }) }, { id: 7, name: 'Me' })
    expect(s.mine?.amount_cents).toBe(250)
    expect(s.packet.remaining_count).toBe(2)
    const d = stateFromDetails(
      {
        ...packet({ remaining_count: 0, status: 'exhausted' }),
        sender_name: 'Bob',
        remaining_cents: 0,
        refunded_cents: 0,
        created_at: '2026-01-01T00:00:00Z',
        claims: [claim(2, 600), claim(7, 400)],
        luckiest: claim(2, 600),
        my_claim: null,
      },
      7,
    )
    expect(d.mine?.amount_cents).toBe(400)
    expect(d.luckiest?.user_id).toBe(2)
  })
  it('offers a grab only when it can be taken', () => {
    expect(envelopeLook(stateFromPacket(packet()), { me: 1, direct: true })).toBe('sent')
    expect(envelopeLook(stateFromPacket(packet()), { me: 1, direct: false })).toBe('grab')
    expect(envelopeLook(stateFromPacket(packet()), { me: 2, direct: true })).toBe('grab')
  })
})

describe('send dialog checks', () => {
  it('builds the body in integer cents', () => {
    expect(checkSend({ amount: '12.34', count: 3, kind: 'lucky', greeting: ' Hi ' }, { direct: false, members: 5 })).toEqual({
      body: { total_cents: 1234, count: 3, kind: 'lucky', greeting: 'Hi' },
      errors: {},
    })
  })
  it('refuses bad amounts and counts', () => {
    expect(checkSend({ amount: '1.234', count: 1, kind: 'equal', greeting: '' }, { direct: true, members: 2 }).errors.amount).toMatch(/two decimals/)
    expect(checkSend({ amount: '-1', count: 1, kind: 'equal', greeting: '' }, { direct: true, members: 2 }).errors.amount).toBeTruthy()
    expect(checkSend({ amount: '1', count: 2, kind: 'equal', greeting: '' }, { direct: true, members: 2 }).errors.count).toMatch(/one share/)
    expect(checkSend({ amount: '1', count: 6, kind: 'equal', greeting: '' }, { direct: false, members: 5 }).errors.count).toMatch(/1 and 5/)
    expect(checkSend({ amount: '0.02', count: 3, kind: 'equal', greeting: '' }, { direct: false, members: 5 }).errors.amount).toMatch(/0.03/)
    expect(checkSend({ amount: '300', count: 1, kind: 'equal', greeting: '' }, { direct: true, members: 2 }).errors.amount).toMatch(/200.00/)
    expect(checkSend({ amount: '5', count: 1, kind: 'equal', greeting: '' }, { direct: true, members: 2, balanceCents: 400 }).errors.amount).toMatch(/balance/)
    expect(checkSend({ amount: '5', count: 1, kind: 'equal', greeting: 'x'.repeat(101) }, { direct: true, members: 2 }).errors.greeting).toBeTruthy()
  })
})
