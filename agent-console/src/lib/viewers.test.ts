import { describe, expect, it } from 'vitest'
import { applyViewersFrame, viewerChips, viewingTarget } from './viewers'

describe('applyViewersFrame', () => {
  it('keeps the other agents and leaves me out', () => {
    const s = applyViewersFrame({}, { conversation_id: 7, viewers: [{ user_id: 1, name: 'Me', typing: false }, { user_id: 2, name: 'Ana', typing: true }] }, 1)
    expect(s).toEqual({ 7: [{ user_id: 2, name: 'Ana', typing: true }] })
  })
  it('replaces the set and drops a conversation nobody else views', () => {
    const held = { 7: [{ user_id: 2, name: 'Ana', typing: false }], 8: [{ user_id: 3, name: 'Ben', typing: false }] }
    expect(applyViewersFrame(held, { conversation_id: 7, viewers: [{ user_id: 1, name: 'Me', typing: false }] }, 1)).toEqual({ 8: held[8] })
    expect(applyViewersFrame(held, { conversation_id: 8, viewers: [] }, 1)).toEqual({ 7: held[7] })
  })
  it('ignores malformed frames and entries', () => {
    expect(applyViewersFrame({}, { conversation_id: '7', viewers: [] }, 1)).toBeNull()
    expect(applyViewersFrame({}, { conversation_id: 7 }, 1)).toBeNull()
    expect(applyViewersFrame({}, { conversation_id: 7, viewers: [null, { name: 'x' }, { user_id: 4, name: 'Dee' }] }, 1)).toEqual({ 7: [{ user_id: 4, name: 'Dee', typing: false }] })
  })
})

describe('viewerChips', () => {
  it('says who views and who types', () => {
    expect(viewerChips([{ user_id: 2, name: 'Ana', typing: false }, { user_id: 3, name: 'Ben', typing: true }]).map((c) => c.text)).toEqual(['Ana is viewing', 'Ben is typing…'])
    expect(viewerChips(undefined)).toEqual([])
    expect(viewerChips([{ user_id: 5, name: '', typing: false }])[0].text).toBe('An agent is viewing')
  })
})

describe('viewingTarget', () => {
  it('announces the open support conversation only while the tab is visible', () => {
    expect(viewingTarget(7, true, true)).toBe(7)
    expect(viewingTarget(7, true, false)).toBeNull()
    expect(viewingTarget(7, false, true)).toBeNull()
    expect(viewingTarget(null, true, true)).toBeNull()
  })
})
