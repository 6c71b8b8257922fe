// The OpenAPI document's schemas and operations (generated into
// src/generated/api.ts by scripts/gen-api-types.mjs) and a helper for
// narrowing them where the document is looser than what the server sends.
import type { components, operations } from '../generated/api'

export type Schemas = components['schemas']

/** The JSON body of an operation's 200 answer, named by its operationId. */
export type Answer<K extends keyof operations> = operations[K]['responses'] extends { 200: { content: { 'application/json': infer B } } }
  ? B
  : never

/** T with the fields of O replaced. */
export type Override<T, O> = Omit<T, keyof O> & O
