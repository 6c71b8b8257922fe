import { describe, expect, it } from 'vitest'
import { setLocale } from './i18n'
import { transferAgents, transferLabel } from './transfer'
import type { SiteInfo } from './types'

const agent = (user_id: number, name: string, status: string, load: number, capacity: number) => ({ user_id, name, status, load, capacity, connected: status !== 'offline' })

const site = {
  id: 1,
  name: 'Shop',
  queues: [
    { id: 10, site_id: 1, name: 'Support', is_default: true, assign_timeout_s: 60, agents: [agent(1, 'Me', 'online', 0, 5), agent(2, 'Bea', 'offline', 0, 5), agent(3, 'Cid', 'online', 2, 4)] },
    { id: 11, site_id: 1, name: 'Sales', is_default: false, assign_timeout_s: 60, agents: [agent(3, 'Cid', 'online', 2, 2), agent(4, 'Ada', 'online', 1, 4)] },
  ],
} as unknown as SiteInfo

describe('transferAgents', () => {
  it('lists each other agent once, online and least loaded first, with the capacity of the conversation’s queue', () => {
    const list = transferAgents(site, 1, 11)
    expect(list.map((a) => [a.name, a.status, a.load, a.capacity])).toEqual([
      ['Ada', 'online', 1, 4],
      ['Cid', 'online', 2, 2],
      ['Bea', 'offline', 0, 5],
    ])
  })

  it('labels an agent with name, state and load in both languages', async () => {
    const [ada] = transferAgents(site, 1, 10)
    await setLocale('en')
    expect(transferLabel(ada)).toBe('Ada · Online · 1/4 chats')
    await setLocale('zh-CN')
    expect(transferLabel(ada)).toBe('Ada · 在线 · 1/4 个会话')
    await setLocale('en')
  })
})
