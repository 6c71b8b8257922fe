import { createApp, watch } from 'vue'
import App from './App.vue'
import { router } from './router'
import { onAuthLost } from './state/session'
import { locale } from './lib/i18n'
import { registerServiceWorker, rememberLocale } from './lib/pwa'
import './style.css'

onAuthLost(() => {
  const current = router.currentRoute.value
  if (!current.meta.public) void router.replace({ name: 'login', query: { next: current.fullPath } })
})

createApp(App).use(router).mount('#app')

registerServiceWorker((path) => void router.push(path))
watch(locale, (l) => void rememberLocale(l), { immediate: true })
