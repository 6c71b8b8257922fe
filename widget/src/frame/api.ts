// The widget's REST calls. The frame is served by Parley, so these are
// same-origin requests; the visitor is named by `Authorization: Visitor`.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The fields a validation error names. */
    readonly details?: Record<string, string>,
  ) {
    super(message)
  }

  /** Worth trying again later: the network, time-outs, rate limits, server trouble
   *  (not a site's upload budget spent for the day). */
  get retryable(): boolean {
    if (this.code === 'upload_budget_spent') return false
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500
  }
}

export async function call<T>(method: string, path: string, body?: unknown, token?: string | null): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (token) headers.Authorization = `Visitor ${token}`
  let res: Response
  try {
    res = await fetch('/api/v1' + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
    })
  } catch (e) {
    throw new ApiError(0, 'network', e instanceof Error ? e.message : 'network error')
  }
  const text = await res.text().catch(() => '')
  let data: unknown = undefined
  try {
    data = text ? JSON.parse(text) : undefined
  } catch {
    // Not JSON (a proxy's error page): keep going with the status.
  }
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string; details?: Record<string, string> } } | undefined)?.error
    throw new ApiError(res.status, err?.code || 'http_' + res.status, err?.message || res.statusText || 'request failed', err?.details)
  }
  return data as T
}
