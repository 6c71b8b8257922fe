import { createApp, watch } from 'vue'
import App from './App.vue'
import { router } from './router'
import { onAuthLost } from './state/session'
import { loadInitialLocale, locale } from './lib/i18n'
import { registerServiceWorker, rememberLocale, reportViewing } from './lib/pwa'
import './style.css'

onAuthLost(() => {
  const current = router.currentRoute.value
  if (!current.meta.public) void router.replace({ name: 'login', query: { next: current.fullPath } })
})

// Chinese is loaded on demand: shown only once its messages are here.
void loadInitialLocale().then(() => createApp(App).use(router).mount('#app'))

registerServiceWorker((path) => void router.push(path))
router.afterEach((to) => {
  const open = (to.name === 'chats' || to.name === 'inbox') && to.params.id ? Number(to.params.id) : null
  reportViewing(open)
})
watch(locale, (l) => void rememberLocale(l), { immediate: true })
