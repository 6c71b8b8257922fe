import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import en from '../locales/en'
import zhCN from '../locales/zh-CN'
import { passwordProblem } from './account'
import { ROLE_LABEL } from './groups'
import { formatMoney, initialLocale, loadLocale, locale, matchLocale, setLocale, translate, type Message } from './i18n'
import { auditDetail } from './adminApi'
import { emptyText, INBOX_VIEWS, NO_FILTERS } from './inbox'
import { presenceLabel } from './presence'
import { quoteOf } from './replies'
import { viewerChips } from './viewers'

function forms(m: Message): string[] {
  return typeof m === 'string' ? [m] : [m.one ?? m.other, m.other]
}

function placeholders(m: Message): string[] {
  return [...new Set(forms(m).flatMap((f) => [...f.matchAll(/\{(\w+)\}/g)].map((x) => x[1])))].sort()
}

describe('dictionaries', () => {
  it('have the same ids', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort())
  })

  it('have no empty messages', () => {
    for (const dict of [en, zhCN] as Record<string, Message>[]) {
      for (const [key, m] of Object.entries(dict)) {
        for (const f of forms(m)) expect(f.trim(), key).not.toBe('')
      }
    }
  })

  it('use the same placeholders in both languages', () => {
    const zh = zhCN as Record<string, Message>
    for (const [key, m] of Object.entries(en as Record<string, Message>)) {
      expect(placeholders(zh[key]), key).toEqual(placeholders(m))
    }
  })

  it('have Chinese text in every zh-CN message that is not only a symbol or a name', () => {
    const zh = zhCN as Record<string, Message>
    for (const [key, m] of Object.entries(zh)) {
      const text = forms(m).join(' ').replace(/\{\w+\}/g, '')
      if (/[A-Za-z]{3,}/.test(text) && !/[\u4e00-\u9fff]/.test(text)) {
        expect.fail(`${key} looks untranslated: ${text}`)
      }
    }
  })
})

describe('translate', () => {
  beforeAll(() => loadLocale('zh-CN'))

  it('fills placeholders and picks plural forms', () => {
    expect(translate('en', 'nav.friendsBadge', { n: 1 })).toBe('1 friend request')
    expect(translate('en', 'nav.friendsBadge', { n: 3 })).toBe('3 friend requests')
    expect(translate('zh-CN', 'nav.friendsBadge', { n: 3 })).toBe('3 条好友申请')
    expect(translate('en', 'group.membersCount', { n: 1, cap: 200 })).toBe('1 member of 200')
    expect(translate('en', 'group.membersCount', { n: 2, cap: 200 })).toBe('2 members of 200')
    expect(translate('en', 'invite.summary', { number: 7, n: 1 })).toBe('Group #7 · 1 member')
    expect(translate('en', 'members.nameYou', { name: 'Ada Admin' })).toBe('Ada Admin (you)')
    expect(translate('zh-CN', 'members.nameYou', { name: 'Ada Admin' })).toBe('Ada Admin（我）')
    expect(translate('zh-CN', 'verify.addressOk', { email: 'a@b.c' })).toBe('a@b.c 已通过验证。')
  })

  it('names every webhook delivery status in both languages, never by its raw value', () => {
    const statuses = ['pending', 'delivered', 'failed'] as const
    expect(statuses.map((s) => translate('en', `hooks.status.${s}`))).toEqual(['Pending', 'Delivered', 'Failed'])
    expect(statuses.map((s) => translate('zh-CN', `hooks.status.${s}`))).toEqual(['等待中', '已送达', '失败'])
  })
})

describe('choosing the language', () => {
  it('prefers the saved choice, then the browser, then English', () => {
    expect(initialLocale('en', ['zh-CN'])).toBe('en')
    expect(initialLocale(null, ['zh-TW', 'en'])).toBe('zh-CN')
    expect(initialLocale(null, ['fr-FR', 'en-GB'])).toBe('en')
    expect(initialLocale(null, ['fr-FR'])).toBe('en')
    expect(initialLocale('de', ['zh'])).toBe('zh-CN')
  })

  it('maps every Chinese tag to zh-CN', () => {
    expect(matchLocale('zh')).toBe('zh-CN')
    expect(matchLocale('zh-Hans-SG')).toBe('zh-CN')
    expect(matchLocale('en-US')).toBe('en')
    expect(matchLocale('ja')).toBeNull()
  })
})

describe('switching the language', () => {
  afterEach(() => setLocale('en'))

  it('changes the text the libraries make, labels included', async () => {
    expect(presenceLabel({ status: 'online' } as never, 0)).toBe('Online')
    expect(ROLE_LABEL.owner).toBe('Owner')
    await setLocale('zh-CN')
    expect(locale.value).toBe('zh-CN')
    expect(presenceLabel({ status: 'online' } as never, 0)).toBe('在线')
    expect(presenceLabel({ status: 'offline', last_seen_at: new Date(0).toISOString() } as never, 5 * 60_000)).toBe('最后在线：5 分钟前')
    expect(ROLE_LABEL.owner).toBe('群主')
    expect(INBOX_VIEWS.map((v) => v.label)).toEqual(['我的', '排队中', '全部'])
    expect(passwordProblem('short')).toBe('密码至少 8 位。')
  })

  it('changes the inbox, viewer, reply and action log texts', async () => {
    await setLocale('zh-CN')
    expect(emptyText('all', { ...NO_FILTERS, q: 'zebra' }, 'online')).toBe('没有与“zebra”匹配的会话。')
    expect(emptyText('mine', NO_FILTERS, 'offline')).toBe('切换为在线即可接待会话。')
    expect(viewerChips([{ user_id: 2, name: 'Ana', typing: false }, { user_id: 3, name: '', typing: true }]).map((c) => c.text)).toEqual(['Ana 正在查看', '一位客服 正在输入…'])
    expect(quoteOf(1, [])).toEqual({ seq: 1, found: false, sender: '', text: '更早的消息' })
    expect(auditDetail({ action: 'site.update', detail: { fields: ['color', 'name'] } })).toBe('修改了 color、name')
    expect(auditDetail({ action: 'queue.agent_set', detail: { user_id: 4, capacity: 3 } })).toBe('用户 4 · 接待上限 3')
  })

  it('groups money by the language', async () => {
    expect(formatMoney(123456)).toBe('1,234.56')
    await setLocale('zh-CN')
    expect(formatMoney(5)).toBe('0.05')
  })
})
