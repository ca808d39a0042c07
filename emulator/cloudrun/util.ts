/**
 * Small helpers of the Cloud Run model: identifiers, timestamps, query parsing, field paths.
 * Nothing here knows about Cloud Run's behaviour; see model.ts and messages.ts for that.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { GoogleApiError } from '../core.js'

export type JsonObject = Record<string, unknown>

const LOWER = 'abcdefghijklmnopqrstuvwxyz'
const LOWER_DIGITS = 'abcdefghijklmnopqrstuvwxyz0123456789'

/** `n` random characters of `alphabet` (revision suffixes `-xyz`, execution suffixes `-a1b2c`). */
export function randomChars(n: number, alphabet: string = LOWER): string {
  let out = ''
  for (const byte of randomBytes(n)) out += alphabet[byte % alphabet.length]
  return out
}

export const randomExecutionSuffix = (): string => randomChars(5, LOWER_DIGITS)

export const uuid = (): string => randomUUID()

/** RFC 3339 in UTC, as Google's JSON renders google.protobuf.Timestamp. */
export const timestamp = (ms: number): string => new Date(ms).toISOString()

/**
 * A fresh etag. Assumption (shape unverified): Cloud Run v2 etags look like a quoted opaque token
 * followed by `/` and an encoding of the resource name; clients must treat them as opaque anyway.
 */
export function newEtag(name: string): string {
  return `"${randomBytes(12).toString('base64url')}/${Buffer.from(name).toString('base64url')}"`
}

export function deepCopy<T>(value: T): T {
  return structuredClone(value)
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Google's query booleans: `true`/`false` (and `1`/`0`, which the ESF front end also accepts). */
export function queryBool(url: URL, name: string): boolean {
  const value = url.searchParams.get(name)
  return value === 'true' || value === '1'
}

/** `snake_case` → `lowerCamelCase`: proto3 JSON accepts both spellings of a field. */
export function camelize(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase())
}

/** A google.protobuf.Duration in JSON form (`"10s"`, `"1.5s"`) in milliseconds. */
export function parseDuration(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined
  const match = typeof value === 'string' ? /^(\d+(?:\.\d{1,9})?)s$/.exec(value) : null
  if (!match?.[1]) {
    // Google's JSON-binding error for a malformed Duration.
    throw new GoogleApiError(
      'INVALID_ARGUMENT',
      `Invalid value at '${field}' (type.googleapis.com/google.protobuf.Duration), ${JSON.stringify(value)}`
    )
  }
  return Math.round(Number(match[1]) * 1000)
}

/** The email an IAM member stands for (`serviceAccount:x@p.iam...` → `x@p.iam...`). */
export function emailOf(member: string): string {
  return member.replace(/^(user|serviceAccount|group):/, '')
}

export function getPath(root: unknown, path: readonly string[]): unknown {
  let node: unknown = root
  for (const key of path) {
    if (!isObject(node)) return undefined
    node = node[key]
  }
  return node
}

/** Sets (or, with `undefined`, deletes) `path` in `root`, creating intermediate objects. */
export function setPath(root: JsonObject, path: readonly string[], value: unknown): void {
  let node = root
  for (const key of path.slice(0, -1)) {
    const next = node[key]
    if (isObject(next)) node = next
    else {
      const created: JsonObject = {}
      node[key] = created
      node = created
    }
  }
  const last = path[path.length - 1]
  if (last === undefined) return
  if (value === undefined) delete node[last]
  else node[last] = value
}

/** Views a typed API resource as a plain JSON object for field-mask and path work. */
export function asJson<T extends object>(value: T): JsonObject {
  return value as unknown as JsonObject
}

export function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}
