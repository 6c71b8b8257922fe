import { reactive } from 'vue'
import { ApiClient, ApiError, TokenStore } from '../lib/api'
import { memoryStore, type AuthResponse, type KeyValueStore, type User } from '../lib/types'
import { clearOfflineData } from '../lib/pwa'

type Live = typeof import('./live')

/** The signed-in part of the console, once loaded (see loadLive). */
let live: Live | null = null

/** Loads the signed-in part of the console (its own chunk). */
export async function loadLive(): Promise<Live> {
  live ??= await import('./live')
  return live
}

function pickStorage(): KeyValueStore {
  try {
    const s = window.localStorage
    s.setItem('parley.probe', '1')
    s.removeItem('parley.probe')
    return s
  } catch {
    // Private mode or storage disabled: keep the session for this tab only.
    return memoryStore()
  }
}

export const storage = pickStorage()

let authLostHandler: () => void = () => {}

/** Registers what to do when the session cannot be recovered (go to login). */
export function onAuthLost(fn: () => void): void {
  authLostHandler = fn
}

export const api = new ApiClient({
  tokens: new TokenStore(storage),
  onAuthLost: () => {
    session.user = null
    void clearOfflineData()
    live?.stopLiveAuthLost()
    authLostHandler()
  },
})

export const session = reactive({
  user: null as User | null,
  /** null until GET /api/v1/setup answered. */
  setupNeeded: null as boolean | null,
})

/** Asks the server whether the first-run setup is still to be done. */
export async function checkSetup(): Promise<boolean> {
  try {
    const r = await api.get<{ needed: boolean }>('/api/v1/setup', { auth: false })
    session.setupNeeded = !!r.needed
  } catch {
    // Unknown: let the login page show whatever the server says next.
    session.setupNeeded = false
  }
  return session.setupNeeded
}

/** Restores the signed-in user from stored tokens, if any. */
export async function restoreSession(): Promise<User | null> {
  if (session.user) return session.user
  if (!api.tokens.get()) return null
  try {
    const user = await api.get<User>('/api/v1/me')
    await signedIn(user)
    return user
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null
    throw err
  }
}

async function signedIn(user: User): Promise<void> {
  const m = await loadLive()
  session.user = user
  m.startLive(api, storage, user)
}

export async function completeSignIn(r: AuthResponse): Promise<void> {
  session.setupNeeded = false
  // A fresh sign-in may be someone else on this computer: nothing kept for
  // offline reading survives it.
  await clearOfflineData()
  await signedIn(r.user)
}

export async function signOut(): Promise<void> {
  live?.stopLiveSignOut()
  session.user = null
  // What was kept for offline reading goes too: computers are shared.
  await clearOfflineData()
  await api.logout()
}
