// Messages between the chat frame and the loader on the host page
// (window.postMessage). The loader only trusts them from its own iframe and
// the Parley origin.

/** The frame asks the loader to hide it (its close button). */
export const MSG_CLOSE = 'parley:close'

export interface FrameMessage {
  type: typeof MSG_CLOSE
}

export function isFrameMessage(data: unknown): data is FrameMessage {
  return !!data && typeof data === 'object' && (data as { type?: unknown }).type === MSG_CLOSE
}
