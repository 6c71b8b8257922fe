/** One field of the site's pre-chat form. */
export interface PrechatField {
  name: string
  label: string
  type: 'text' | 'email' | string
  required: boolean
}

export const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/**
 * Checks the values of the pre-chat form. Returns the problems by field
 * name ('required' or 'email'); an empty object means the form is good.
 */
export function validatePrechat(fields: PrechatField[], values: Record<string, string>): Record<string, 'required' | 'email'> {
  const errors: Record<string, 'required' | 'email'> = {}
  for (const f of fields) {
    const v = (values[f.name] || '').trim()
    if (!v) {
      if (f.required) errors[f.name] = 'required'
    } else if (f.type === 'email' && !EMAIL_RE.test(v)) {
      errors[f.name] = 'email'
    }
  }
  return errors
}

/** The trimmed, non-empty values of the known fields only. */
export function cleanPrechat(fields: PrechatField[], values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const f of fields) {
    const v = (values[f.name] || '').trim()
    if (v) out[f.name] = v.slice(0, 500)
  }
  return out
}
