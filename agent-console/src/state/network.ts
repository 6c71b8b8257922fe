import { reactive } from 'vue'

/** Whether the browser believes it has a network (navigator.onLine). */
export const network = reactive({ online: typeof navigator === 'undefined' ? true : navigator.onLine })

if (typeof window !== 'undefined') {
  window.addEventListener('online', () => (network.online = true))
  window.addEventListener('offline', () => (network.online = false))
}
