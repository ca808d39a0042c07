/**
 * Cloud Run's rules on a deploy's content, as pure functions of the desired resource: traffic and
 * instance splits, volumes and their mounts, revision names, and the output-only fields a client may
 * send back. Each answers the first violation (or the names that break a rule), leaving the error's
 * delivery (a 400 now, or a failed operation later) to the caller. Sources are cited in messages.ts.
 */
import {
  type FieldViolation,
  duplicateTagText,
  duplicateVolumeText,
  instanceSplitSumText,
  noMatchingVolumeText,
  revisionPrefixText,
  trafficSumText
} from './messages.js'
import { type KindSpec, SPLIT_REVISION, TRAFFIC_REVISION } from './kinds.js'
import { type JsonObject, deepCopy, getPath, isObject } from './util.js'

const objects = (value: unknown): JsonObject[] =>
  Array.isArray(value) ? value.map(item => (isObject(item) ? item : {})) : []

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined

/**
 * Traffic (services) or instance splits (worker pools): when given, the percentages add up to 100
 * (REFERENCE.md "Traffic"; TrafficTarget.percent "defaults to zero if unspecified") and no tag appears
 * twice. Several entries may point at the same revision or at LATEST: gcloud itself writes a tagged 0%
 * LATEST entry beside the one carrying the percentage (googlecloudsdk/api_lib/run/traffic.py,
 * TrafficTargets._GetNormalizedTraffic: "Moves all tags to 0% targets").
 */
export function splitViolation(spec: KindSpec, desired: JsonObject): FieldViolation | undefined {
  const field = spec.splitField
  if (!field) return undefined
  const entries = objects(desired[field])
  if (entries.length === 0) return undefined
  const tags = new Map<string, number>()
  let sum = 0
  for (const [index, entry] of entries.entries()) {
    const percent = entry['percent']
    sum += typeof percent === 'number' ? percent : 0
    const tag = text(entry['tag'])
    if (tag === undefined) continue
    if (tags.has(tag))
      return { field: `${field}[${index}].tag`, description: duplicateTagText(tag) }
    tags.set(tag, index)
  }
  if (sum === 100) return undefined
  return {
    field,
    description: field === 'traffic' ? trafficSumText(sum) : instanceSplitSumText(sum)
  }
}

/**
 * Volumes are named uniquely, and every container's `volumeMounts[].name` names one of them
 * (REFERENCE.md "Containers"; Volume.name and VolumeMount.name "must match the name of a volume",
 * google/cloud/run/v2/k8s.min.proto).
 */
export function volumeViolation(spec: KindSpec, desired: JsonObject): FieldViolation | undefined {
  const volumesPath = spec.volumesPath.join('.')
  const names = new Set<string>()
  for (const [index, volume] of objects(getPath(desired, spec.volumesPath)).entries()) {
    const name = text(volume['name']) ?? ''
    if (names.has(name)) {
      return { field: `${volumesPath}[${index}].name`, description: duplicateVolumeText(name) }
    }
    names.add(name)
  }
  const containersPath = spec.containersPath.join('.')
  for (const [c, container] of objects(getPath(desired, spec.containersPath)).entries()) {
    for (const [m, mount] of objects(container['volumeMounts']).entries()) {
      if (!names.has(text(mount['name']) ?? '')) {
        return {
          field: `${containersPath}[${c}].volumeMounts[${m}].name`,
          description: noMatchingVolumeText
        }
      }
    }
  }
  return undefined
}

/**
 * A revision name given in the template starts with the resource's id and a hyphen (Cloud Run names
 * revisions `<service>-<suffix>`; see revisionPrefixText). ASSUMPTION: worker pools, whose revision
 * template documents the same naming ("generated based on the WorkerPool name"), enforce it too.
 */
export function revisionNameViolation(
  spec: KindSpec,
  id: string,
  desired: JsonObject
): FieldViolation | undefined {
  if (!spec.hasRevisions) return undefined
  const revision = text(getPath(desired, ['template', 'revision']))
  if (revision === undefined || revision.startsWith(`${id}-`)) return undefined
  return { field: 'template.revision', description: revisionPrefixText }
}

/**
 * The revisions that traffic (or instance splits) name by REVISION allocation and that are not among
 * `existing` (short revision names): Cloud Run checks them when it routes, after accepting the request.
 */
export function missingSplitRevisions(
  spec: KindSpec,
  resource: object,
  existing: ReadonlySet<string>
): string[] {
  const field = spec.splitField
  if (!field) return []
  const byRevision = field === 'traffic' ? TRAFFIC_REVISION : SPLIT_REVISION
  const entries = objects((resource as JsonObject)[field])
  return entries
    .filter(entry => {
      const type = text(entry['type'])
      // An entry without a type but with a revision routes by revision (TrafficTarget.type).
      return type === byRevision || (type === undefined && text(entry['revision']) !== undefined)
    })
    .map(entry => text(entry['revision']) ?? '')
    .filter(revision => revision !== '' && !existing.has(revision))
}

/**
 * The desired resource without the output-only fields nested in its containers (Container.build_info).
 * Top-level ones are dropped with the rest of the kind's output-only fields (request.ts).
 * AIP-203: an output-only field in a request "does nothing (the server must clear out any value in this
 * field and must not throw an error as a result of the presence of a value in this field on input)".
 */
export function withoutOutputOnly(spec: KindSpec, desired: JsonObject): JsonObject {
  const copy = deepCopy(desired)
  for (const container of objects(getPath(copy, spec.containersPath))) delete container['buildInfo']
  return copy
}
