/**
 * What Cloud Run checks in a deploy request before it accepts it: the body's fields, the update mask,
 * the template and its images. Also the comparisons that decide whether a deploy makes a new revision.
 */
import { GoogleApiError } from '../core.js'
import type { KindSpec, Workload } from './kinds.js'
import { fieldViolation, requiredField, unknownField, unsupportedImage } from './messages.js'
import {
  revisionNameViolation,
  splitViolation,
  volumeViolation,
  withoutOutputOnly
} from './rules.js'
import { type JsonObject, asJson, camelize, deepCopy, getPath, isObject, setPath } from './util.js'

/** The body as a JSON object with lowerCamel names; unknown top-level names fail as Google's do. */
export function normalizeBody(spec: KindSpec, body: unknown): JsonObject {
  if (body === undefined || body === null) return {}
  if (!isObject(body)) {
    throw new GoogleApiError(
      'INVALID_ARGUMENT',
      `Invalid JSON payload received. Expected an object for '${spec.bodyField}'.`
    )
  }
  const out: JsonObject = {}
  for (const [key, value] of Object.entries(body)) {
    const name = camelize(key)
    if (!spec.knownFields.has(name)) throw unknownField(key, spec.bodyField)
    out[name] = value
  }
  return out
}

/** The body's writable fields: output-only ones, nested ones included, are dropped (AIP-203). */
export function writableFields(spec: KindSpec, body: JsonObject): JsonObject {
  const out: JsonObject = {}
  for (const [key, value] of Object.entries(body)) {
    if (!spec.outputOnly.has(key) && key !== 'name') out[key] = deepCopy(value)
  }
  return withoutOutputOnly(spec, out)
}

/**
 * PATCH semantics: with an update mask only the masked paths change; without one every writable field
 * is replaced (the body is the whole desired resource). Output-only fields in the body are ignored.
 */
export function applyUpdate(
  spec: KindSpec,
  existing: Workload,
  body: JsonObject,
  mask: string | null
): JsonObject {
  const paths = (mask ?? '')
    .split(',')
    .map(p => p.trim())
    .filter(p => p !== '')
  if (paths.length === 0 || paths.includes('*')) return writableFields(spec, body)
  const desired = writableFields(spec, asJson(deepCopy(existing)))
  for (const path of paths) {
    const segments = path.split('.').map(camelize)
    const head = segments[0] ?? ''
    if (!spec.knownFields.has(head)) {
      // Assumption (wording unverified): an unknown mask path is rejected, not ignored.
      throw new GoogleApiError('INVALID_ARGUMENT', `Invalid update mask path: "${path}".`)
    }
    if (spec.outputOnly.has(head) || head === 'name') continue
    setPath(desired, segments, deepCopy(getPath(body, segments)))
  }
  return withoutOutputOnly(spec, desired)
}

/**
 * The checks Cloud Run makes on the desired resource before it accepts a deploy: required fields,
 * images, then the content rules of rules.ts (volumes, revision name, traffic or instance splits).
 */
export function validateDesired(
  spec: KindSpec,
  id: string,
  desired: JsonObject,
  request: string
): void {
  const prefix = spec.bodyField
  if (!isObject(desired['template'])) throw requiredField(request, `${prefix}.template`)
  if (spec.kind === 'job' && !isObject(getPath(desired, ['template', 'template']))) {
    throw requiredField(request, `${prefix}.template.template`)
  }
  const path = spec.containersPath.join('.')
  const containers = getPath(desired, spec.containersPath)
  if (!Array.isArray(containers) || containers.length === 0) {
    throw requiredField(request, `${prefix}.${path}[0].image`)
  }
  containers.forEach((container: unknown, index: number) => {
    const image = isObject(container) ? container['image'] : undefined
    if (typeof image !== 'string' || image === '') {
      throw requiredField(request, `${prefix}.${path}[${index}].image`)
    }
    if (!supportedRegistry(image)) throw unsupportedImage(`${path}[${index}].image`, image)
  })
  const violation =
    volumeViolation(spec, desired) ??
    revisionNameViolation(spec, id, desired) ??
    splitViolation(spec, desired)
  if (violation) throw fieldViolation(violation)
}

/**
 * Hosts Cloud Run pulls from directly: Artifact Registry (`*-docker.pkg.dev`), gcr.io and its regional
 * hosts, and Docker Hub (no host, or docker.io). Others need an Artifact Registry remote repository
 * (REFERENCE.md; ko-build/terraform-provider-ko#205 for the rejection).
 */
export function supportedRegistry(image: string): boolean {
  const first = image.split('/')[0] ?? ''
  const hasHost =
    image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')
  if (!hasHost) return true
  const host = first.toLowerCase()
  return (
    host.endsWith('-docker.pkg.dev') ||
    host === 'gcr.io' ||
    host.endsWith('.gcr.io') ||
    host === 'docker.io' ||
    host === 'index.docker.io' ||
    host === 'registry-1.docker.io'
  )
}

export function validId(id: string, maxLength: number): boolean {
  return id.length <= maxLength && /^[a-z]([a-z0-9-]*[a-z0-9])?$/.test(id)
}

/**
 * The IAM resource of a service account in the IAM API's own spelling, `projects/-/serviceAccounts/EMAIL`
 * (https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts): the emulator's IAM
 * model resolves `-` to the project the email names.
 */
export function serviceAccountResource(email: string): string {
  return `projects/-/serviceAccounts/${email}`
}

/** JSON with sorted keys, to compare templates whatever order their fields came in. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`
  if (isObject(value)) {
    const entries = Object.keys(value)
      .filter(key => value[key] !== undefined && value[key] !== null)
      .sort()
      .map(key => `${JSON.stringify(key)}:${stableStringify(value[key])}`)
    return `{${entries.join(',')}}`
  }
  return JSON.stringify(value)
}

/** The template fields a revision repeats (google/cloud/run/v2/revision.proto). */
export function revisionTemplateOf(source: object): JsonObject {
  const json = asJson(source)
  const out: JsonObject = {}
  for (const field of [
    'labels',
    'annotations',
    'scaling',
    'vpcAccess',
    'timeout',
    'containers',
    'volumes',
    'executionEnvironment',
    'encryptionKey',
    'maxInstanceRequestConcurrency',
    'sessionAffinity',
    'nodeSelector',
    'gpuZonalRedundancyDisabled',
    'serviceMesh'
  ]) {
    if (json[field] !== undefined) out[field] = deepCopy(json[field])
  }
  return out
}
