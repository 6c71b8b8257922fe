// The OpenAPI document's schemas (generated into src/generated/api.ts by
// scripts/gen-api-types.mjs) and two helpers for narrowing them where the
// document is looser than what the server sends.
import type { components } from '../generated/api'

export type Schemas = components['schemas']

/** Every field of T present, except the listed ones (the document marks them optional). */
export type Sent<T, Optional extends keyof T = never> = Required<Omit<T, Optional>> & Pick<T, Optional>

/** T with the fields of O replaced. */
export type Override<T, O> = Omit<T, keyof O> & O
