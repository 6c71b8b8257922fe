import { onScopeDispose, ref, watch, type Ref } from 'vue'

/**
 * A search box over people: the term is sent after a pause in typing, an
 * answer that arrives after a newer one was asked for is dropped, and the
 * signed-in user is left out of the results.
 */
export function usePeopleSearch<T extends { id: number }>(find: (term: string) => Promise<T[]>, selfId: () => number | undefined, delayMs = 250) {
  const q = ref('')
  const results = ref([]) as Ref<T[]>
  const searching = ref(false)
  const error = ref('')
  let timer: ReturnType<typeof setTimeout> | null = null
  let seq = 0

  async function search(term: string) {
    const mine = ++seq
    searching.value = true
    try {
      const items = await find(term)
      if (mine !== seq) return
      results.value = items.filter((u) => u.id !== selfId())
    } catch (err) {
      if (mine === seq) error.value = (err as Error).message
    } finally {
      if (mine === seq) searching.value = false
    }
  }

  watch(q, (value) => {
    error.value = ''
    if (timer) clearTimeout(timer)
    const term = value.trim()
    if (!term) {
      seq++
      results.value = []
      searching.value = false
      return
    }
    timer = setTimeout(() => void search(term), delayMs)
  })

  onScopeDispose(() => {
    if (timer) clearTimeout(timer)
  })

  return { q, results, searching, error }
}
