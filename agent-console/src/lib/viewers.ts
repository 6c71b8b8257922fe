/** Collision detection: who else has a support conversation open. */
import { t } from './i18n'

export interface ViewerInfo {
  user_id: number
  name: string
  typing: boolean
}

/** The other agents viewing each conversation. */
export type ViewersByConversation = Record<number, ViewerInfo[]>

function isViewer(v: unknown): v is ViewerInfo {
  if (!v || typeof v !== 'object') return false
  const x = v as Partial<ViewerInfo>
  return typeof x.user_id === 'number' && typeof x.name === 'string'
}

/**
 * Applies a `viewers` frame: the frame holds the whole set, so it replaces
 * what is held; the agent themselves is left out (their own tabs included).
 */
export function applyViewersFrame(state: ViewersByConversation, frame: { conversation_id?: unknown; viewers?: unknown }, myId: number | null): ViewersByConversation | null {
  const id = frame.conversation_id
  if (typeof id !== 'number' || !Array.isArray(frame.viewers)) return null
  const others = frame.viewers.filter(isViewer).filter((v) => v.user_id !== myId).map((v) => ({ user_id: v.user_id, name: v.name, typing: !!v.typing }))
  const next = { ...state }
  if (others.length) next[id] = others
  else delete next[id]
  return next
}

/** The header chips: "Ana is typing…" or "Ana is viewing". */
export function viewerChips(list: readonly ViewerInfo[] | undefined): Array<{ key: number; text: string; typing: boolean }> {
  return (list ?? []).map((v) => ({ key: v.user_id, text: t(v.typing ? 'viewers.typing' : 'viewers.viewing', { name: v.name || t('viewers.anAgent') }), typing: v.typing }))
}

/**
 * Which conversation this tab should announce as viewed: the open support
 * conversation while the tab is visible, else none.
 */
export function viewingTarget(openId: number | null, isSupport: boolean, visible: boolean): number | null {
  return openId !== null && isSupport && visible ? openId : null
}
