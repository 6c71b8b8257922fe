// Chinese is loaded on demand: each test starts from a fresh console (its
// own copy of the modules), some with a stand-in for the Chinese table.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { computed } from 'vue'

async function freshI18n() {
  vi.resetModules()
  return import('./i18n')
}

beforeEach(() => {
  vi.stubGlobal('navigator', { language: 'en-US', languages: ['en-US'] })
})

afterEach(() => {
  vi.doUnmock('../locales/zh-CN')
  vi.unstubAllGlobals()
})

describe('loading a language', () => {
  it('switches to Chinese once its messages are loaded', async () => {
    const { locale, setLocale, t, translate } = await freshI18n()
    const label = computed(() => t('common.save'))
    expect(label.value).toBe('Save')
    // Not loaded yet: a Chinese lookup is English until it is.
    expect(translate('zh-CN', 'common.save')).toBe('Save')

    const switching = setLocale('zh-CN')
    expect(locale.value).toBe('en')
    expect(label.value).toBe('Save')
    await switching
    expect(locale.value).toBe('zh-CN')
    expect(label.value).toBe('保存')
    expect(t('nav.friendsBadge', { n: 3 })).toBe('3 条好友申请')

    await setLocale('en')
    expect(label.value).toBe('Save')
  })

  it('starts in Chinese with its messages already there', async () => {
    vi.stubGlobal('navigator', { language: 'zh-CN', languages: ['zh-CN', 'en'] })
    const { loadInitialLocale, locale, t } = await freshI18n()
    expect(locale.value).toBe('zh-CN')
    await loadInitialLocale()
    expect(locale.value).toBe('zh-CN')
    expect(t('common.signIn')).toBe('登录')
  })

  it('shows English for a message the loaded table lacks', async () => {
    vi.doMock('../locales/zh-CN', () => ({ default: { 'common.save': '保存' } }))
    const { setLocale, t } = await freshI18n()
    await setLocale('zh-CN')
    expect(t('common.save')).toBe('保存')
    expect(t('common.cancel')).toBe('Cancel')
    // English text keeps English plural forms.
    expect(t('nav.friendsBadge', { n: 1 })).toBe('1 friend request')
    expect(t('nav.friendsBadge', { n: 2 })).toBe('2 friend requests')
  })

  it('keeps the language in use when the new one cannot be loaded', async () => {
    vi.doMock('../locales/zh-CN', () => {
      throw new Error('offline')
    })
    const { locale, setLocale, t } = await freshI18n()
    await expect(setLocale('zh-CN')).rejects.toThrow()
    expect(locale.value).toBe('en')
    expect(t('common.save')).toBe('Save')
  })

  it('starts in English when the saved language cannot be loaded', async () => {
    vi.stubGlobal('navigator', { language: 'zh-CN', languages: ['zh-CN'] })
    vi.doMock('../locales/zh-CN', () => {
      throw new Error('offline')
    })
    const { loadInitialLocale, locale, t } = await freshI18n()
    await loadInitialLocale()
    expect(locale.value).toBe('en')
    expect(t('common.signIn')).toBe('Sign in')
  })

  it('lets the later of two quick switches win', async () => {
    const { locale, setLocale } = await freshI18n()
    const first = setLocale('zh-CN')
    const second = setLocale('en')
    await Promise.all([first, second])
    expect(locale.value).toBe('en')
  })
})
