import { describe, expect, it } from 'vitest'
import { pickStrings, systemText } from './i18n'

describe('systemText', () => {
  const transfer = { type: 'transferred_to_agent', actor: { name: 'Ann' }, target: { name: 'Bo' } }

  it('words a support event in the visitor language', () => {
    expect(systemText(pickStrings('en').t, 'x', transfer)).toBe('Ann transferred the conversation to Bo')
    expect(systemText(pickStrings('zh-CN').t, 'x', transfer)).toBe('Ann 将对话转给了 Bo')
    expect(systemText(pickStrings('zh').t, 'x', { type: 'conversation_resolved', actor: { name: 'Ann' } })).toBe('Ann 将对话标为已解决')
  })

  it('words the hand-off from a bot, or the visitor asking for a person', () => {
    const bot = { type: 'handed_to_agent', actor: { name: 'Robo' } }
    expect(systemText(pickStrings('en').t, 'x', bot)).toBe('Robo handed the conversation to an agent')
    expect(systemText(pickStrings('zh-CN').t, 'x', bot)).toBe('Robo 已将对话转交人工客服')
    expect(systemText(pickStrings('zh-CN').t, 'x', { type: 'handed_to_agent', via: 'visitor' })).toBe('你已要求人工服务：客服将为你解答')
  })

  it('shows the stored text without an event or for an unknown one', () => {
    expect(systemText(pickStrings('zh-CN').t, 'Ann resolved the conversation')).toBe('Ann resolved the conversation')
    expect(systemText(pickStrings('zh-CN').t, 'later', { type: 'from_the_future' })).toBe('later')
  })
})
