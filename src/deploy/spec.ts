/**
 * The desired resource, computed from the live one (or the metadata base spec) and the inputs. Pure.
 * An update changes only what the inputs ask for; every other field of the live resource — other
 * containers, other env vars and volumes, scaling, VPC access, probes, annotations, traffic percentages —
 * is carried over as it was. Output-only fields never go back (src/deploy/fields.ts).
 */
import type { run_v2 } from 'googleapis/build/src/apis/run/v2.js'
import type {
  EntriesChange,
  FlagsChange,
  ResourceKind,
  SecretRef,
  TagAssignment,
  TrafficAssignment
} from '../config.js'
import { applyCloudSql, applyFieldSettings } from './fieldSettings.js'
import {
  mergeEnv,
  mergeSecretVolumes,
  selectContainer,
  type Container,
  type Pod
} from './containers.js'
import { withoutOutputOnly } from './fields.js'
import { planTraffic, type TrafficTarget } from './traffic.js'

type Service = run_v2.Schema$GoogleCloudRunV2Service
type Job = run_v2.Schema$GoogleCloudRunV2Job
type WorkerPool = run_v2.Schema$GoogleCloudRunV2WorkerPool
export type RunResource = Service | Job | WorkerPool

/** What the inputs ask to change. */
export interface SpecChanges {
  readonly image: string
  readonly container: string | undefined
  readonly env: EntriesChange<string> | undefined
  readonly secrets: EntriesChange<SecretRef> | undefined
  readonly labels: EntriesChange<string> | undefined
  readonly defaultLabels: ReadonlyMap<string, string>
  readonly runtimeServiceAccount: string | undefined
  /** A service's request timeout (`300s`). */
  readonly timeout: string | undefined
  readonly flags: FlagsChange | undefined
  /** Where the resource lives: Cloud SQL's plain instance names are completed with them. */
  readonly project: string
  readonly region: string
  readonly tag: string | undefined
  readonly noTraffic: boolean
  readonly revisionTraffic: readonly TrafficAssignment[] | undefined
  readonly tagTraffic: readonly TagAssignment[] | undefined
  /** The new revision's short name (services and worker pools): every deploy makes one. */
  readonly revisionName: string | undefined
  readonly client: { readonly name: string; readonly version: string }
}

export interface Desired {
  /** The body of the create or update. */
  readonly resource: RunResource
  /** The container that received the image: its index in the pod's containers, and its name if any. */
  readonly container: { readonly index: number; readonly name: string | undefined }
  /** Traffic to send once the new revision is ready (src/deploy/traffic.ts); services only. */
  readonly trafficAfterReady: TrafficTarget[] | undefined
  /** The new revision's share of traffic when all is done; undefined for jobs and worker pools. */
  readonly newRevisionPercent: number | undefined
  /** The metadata file's fields that an input replaced, in words, for a warning. */
  readonly overrides: readonly string[]
}

const clone = <T>(value: T): T => structuredClone(value)

/** The metadata file's fields replace the live ones; inside `template` one level deeper. */
function overlay<T extends { template?: object; etag?: string | null }>(
  live: T | undefined,
  base: T | undefined
): T {
  if (!live) return clone(base ?? ({} as T))
  if (!base) return clone(live)
  // Only the live resource's etag guards this update; a file copied from an older read must not replace it.
  const merged = { ...clone(live), ...clone(base), etag: live.etag }
  if (live.template && base.template) {
    merged.template = { ...clone(live.template), ...clone(base.template) } as T['template']
  }
  return merged
}

/** The pod (containers, volumes, service account): a job's lives one level deeper. */
function podOf(kind: ResourceKind, resource: RunResource): Pod {
  if (kind === 'job') {
    const job = resource as Job
    job.template ??= {}
    job.template.template ??= {}
    return job.template.template as Pod
  }
  const withTemplate = resource as Service | WorkerPool
  withTemplate.template ??= {}
  return withTemplate.template as Pod
}

/** The labels of the resource and of its revisions (services, worker pools) or executions (jobs). */
function applyLabels(
  labels: Record<string, string> | null | undefined,
  change: EntriesChange<string> | undefined,
  defaults: ReadonlyMap<string, string>
): Record<string, string> | undefined {
  let result: Record<string, string> = change?.strategy === 'overwrite' ? {} : { ...labels }
  for (const key of change?.remove ?? []) delete result[key]
  result = {
    ...result,
    ...Object.fromEntries(defaults),
    ...Object.fromEntries(change?.values ?? [])
  }
  return Object.keys(result).length ? result : undefined
}

export function desiredResource(
  kind: ResourceKind,
  live: RunResource | undefined,
  base: RunResource | undefined,
  changes: SpecChanges
): Desired {
  let desired = withoutOutputOnly(
    kind,
    overlay(live, base) as Record<string, unknown>
  ) as RunResource
  const pod = podOf(kind, desired)
  pod.containers = pod.containers?.length ? pod.containers : [{}]
  const index = selectContainer(pod.containers, changes.container)
  if (changes.flags?.fields.length) {
    desired = applyFieldSettings(kind, desired, changes.flags.fields, index)
  }
  const target = podOf(kind, desired)
  const containers = target.containers as Container[]
  const container = containers[index] as Container
  if (changes.container && !container.name) container.name = changes.container
  container.image = changes.image
  if (changes.runtimeServiceAccount) target.serviceAccount = changes.runtimeServiceAccount
  const env = mergeEnv(container.env ?? [], changes.env, changes.secrets)
  if (env.length) container.env = env
  else delete container.env
  mergeSecretVolumes(target, index, changes.secrets)
  if (changes.flags?.cloudSql) {
    const edited = applyCloudSql(target, container, changes.flags.cloudSql, {
      project: changes.project,
      region: changes.region
    })
    Object.assign(target, edited.pod)
  }

  // v2 names a connector in full (VpcAccess.connector: "projects/{project}/locations/{location}/
  // connectors/{connector}"); gcloud's --vpc-connector and a v1 annotation may give its short name, which
  // means the deploy's own project and region.
  const vpcAccess = (target as { vpcAccess?: { connector?: string | null } }).vpcAccess
  if (vpcAccess?.connector && !vpcAccess.connector.includes('/')) {
    vpcAccess.connector = `projects/${changes.project}/locations/${changes.region}/connectors/${vpcAccess.connector}`
  }

  desired.client = changes.client.name
  desired.clientVersion = changes.client.version
  const labels = applyLabels(desired.labels, changes.labels, changes.defaultLabels)
  if (labels) desired.labels = labels
  else delete desired.labels
  // gcloud copies the labels to the revision template, and to a job's execution template.
  const template = (desired as { template?: { labels?: Record<string, string> | null } }).template
  if (template) {
    const templateLabels = applyLabels(template.labels, changes.labels, changes.defaultLabels)
    if (templateLabels) template.labels = templateLabels
    else delete template.labels
  }

  let trafficAfterReady: TrafficTarget[] | undefined
  let newRevisionPercent: number | undefined
  if (kind !== 'job') {
    const revisionTemplate = (desired as Service | WorkerPool).template ?? {}
    // A revision name from an earlier deploy cannot be reused; the file's own name stands if no suffix.
    const fileName = (base as Service | undefined)?.template?.revision
    revisionTemplate.revision = changes.revisionName ?? fileName ?? null
    if (!revisionTemplate.revision) delete revisionTemplate.revision
  }
  if (kind === 'service') {
    const service = desired as Service
    if (changes.timeout) (service.template ??= {}).timeout = changes.timeout
    if (changes.flags?.allowUnauthenticated !== undefined) {
      service.invokerIamDisabled = changes.flags.allowUnauthenticated
    }
    const plan = planTraffic(
      (base as Service | undefined)?.traffic?.length
        ? (base as Service).traffic
        : (live as Service | undefined)?.traffic,
      (live as Service | undefined)?.latestReadyRevision,
      {
        newRevision: service.template?.revision ?? '',
        tag: changes.tag,
        noTraffic: changes.noTraffic,
        revisionTraffic: changes.revisionTraffic,
        tagTraffic: changes.tagTraffic
      }
    )
    service.traffic = plan.traffic
    trafficAfterReady = plan.afterReady
    newRevisionPercent = plan.newRevisionPercent
  }
  return {
    resource: desired,
    container: { index, name: container.name ?? undefined },
    trafficAfterReady,
    newRevisionPercent,
    overrides: base ? overridden(kind, base, desired, index) : []
  }
}

/** Fields the metadata file set that the inputs changed: said in a warning, never silently. */
function overridden(
  kind: ResourceKind,
  base: RunResource,
  desired: RunResource,
  index: number
): string[] {
  const basePod = podOf(kind, clone(base))
  const finalPod = podOf(kind, clone(desired))
  const prefix = kind === 'job' ? 'template.template' : 'template'
  const baseContainer = basePod.containers?.[index]
  const finalContainer = finalPod.containers?.[index]
  const notes: string[] = []
  const compare = (path: string, before: unknown, after: unknown) => {
    if (
      before !== undefined &&
      before !== null &&
      JSON.stringify(before) !== JSON.stringify(after)
    ) {
      notes.push(path)
    }
  }
  compare(`${prefix}.containers[${index}].image`, baseContainer?.image, finalContainer?.image)
  compare(`${prefix}.serviceAccount`, basePod.serviceAccount, finalPod.serviceAccount)
  for (const variable of baseContainer?.env ?? []) {
    const now = finalContainer?.env?.find(e => e.name === variable.name)
    compare(`${prefix}.containers[${index}].env ${variable.name}`, variable, now)
  }
  for (const [key, value] of Object.entries(base.labels ?? {})) {
    compare(`labels.${key}`, value, desired.labels?.[key])
  }
  if (kind === 'service') {
    compare(
      'template.timeout',
      (base as Service).template?.timeout,
      (desired as Service).template?.timeout
    )
    compare('traffic', (base as Service).traffic, (desired as Service).traffic)
  }
  return notes
}
