import { createApp } from 'vue'
import App from './App.vue'
import { router } from './router'
import { onAuthLost } from './state/session'
import './style.css'

onAuthLost(() => {
  const current = router.currentRoute.value
  if (!current.meta.public) void router.replace({ name: 'login', query: { next: current.fullPath } })
})

createApp(App).use(router).mount('#app')
