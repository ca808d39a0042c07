/**
 * The desired resource, computed from the live one (or the metadata base spec) and the inputs. Pure.
 * An update changes only what the inputs ask for; every other field of the live resource — other env
 * vars, scaling, VPC access, probes, annotations, traffic — is carried over as it was.
 */
import type { run_v2 } from 'googleapis/build/src/apis/run/v2.js'
import type { ResourceKind, SecretRef, UpdateStrategy } from '../config.js'
import { ActionError } from '../errors.js'

type Service = run_v2.Schema$GoogleCloudRunV2Service
type Job = run_v2.Schema$GoogleCloudRunV2Job
type WorkerPool = run_v2.Schema$GoogleCloudRunV2WorkerPool
type Container = run_v2.Schema$GoogleCloudRunV2Container
type EnvVar = run_v2.Schema$GoogleCloudRunV2EnvVar
type Volume = run_v2.Schema$GoogleCloudRunV2Volume
type TrafficTarget = run_v2.Schema$GoogleCloudRunV2TrafficTarget
export type RunResource = Service | Job | WorkerPool

/** What the inputs ask to change. */
export interface SpecChanges {
  readonly image: string
  readonly envVars: ReadonlyMap<string, string> | undefined
  readonly envVarsUpdateStrategy: UpdateStrategy
  readonly secrets: ReadonlyMap<string, SecretRef> | undefined
  readonly secretsUpdateStrategy: UpdateStrategy
  readonly labels: ReadonlyMap<string, string> | undefined
  readonly runtimeServiceAccount: string | undefined
  readonly tag: string | undefined
  readonly noTraffic: boolean
  /** Name for the new revision; set when traffic must refer to it (tag, no_traffic). */
  readonly revisionName: string | undefined
  readonly client: { readonly name: string; readonly version: string }
}

/** The containers, volumes and service account live here: a revision or task template. */
interface PodTemplate {
  containers?: Container[]
  volumes?: Volume[]
  serviceAccount?: string | null
  revision?: string | null
  labels?: { [key: string]: string } | null
}

/** Fields the server sets; sending them back is pointless and, for some, an error. */
const OUTPUT_ONLY = [
  'uid',
  'generation',
  'createTime',
  'updateTime',
  'deleteTime',
  'expireTime',
  'creator',
  'lastModifier',
  'observedGeneration',
  'terminalCondition',
  'conditions',
  'latestReadyRevision',
  'latestCreatedRevision',
  'trafficStatuses',
  'uri',
  'urls',
  'reconciling',
  'satisfiesPzs',
  'executionCount',
  'latestCreatedExecution',
  'runningExecutionCount'
] as const

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

export function desiredResource(
  kind: ResourceKind,
  live: RunResource | undefined,
  base: RunResource | undefined,
  changes: SpecChanges
): RunResource {
  const desired = overlay(live, base) as RunResource & Record<string, unknown>
  for (const field of OUTPUT_ONLY) delete desired[field]
  desired.client = changes.client.name
  desired.clientVersion = changes.client.version
  if (changes.labels) desired.labels = { ...desired.labels, ...Object.fromEntries(changes.labels) }

  if (kind === 'job') {
    const job = desired as Job
    job.template ??= {}
    job.template.template ??= {}
    applyToPod(job.template.template as PodTemplate, changes)
  } else {
    const withTemplate = desired as Service | WorkerPool
    withTemplate.template ??= {}
    const pod = withTemplate.template as PodTemplate
    applyToPod(pod, changes)
    // A revision name from an earlier deploy cannot be reused; without one, Cloud Run generates it.
    pod.revision = changes.revisionName ?? null
    if (!pod.revision) delete pod.revision
  }
  if (kind === 'service') applyTraffic(desired as Service, live as Service | undefined, changes)
  return desired
}

function applyToPod(pod: PodTemplate, changes: SpecChanges): void {
  pod.containers = pod.containers?.length ? pod.containers : [{}]
  const container = primaryContainer(pod.containers)
  container.image = changes.image
  if (changes.runtimeServiceAccount) pod.serviceAccount = changes.runtimeServiceAccount
  container.env = mergeEnv(container.env ?? [], changes)
  if (changes.secrets || changes.secretsUpdateStrategy === 'overwrite')
    mergeSecretVolumes(pod, container, changes)
  if (!container.env.length) delete container.env
}

/** The container that serves traffic (the one with a port), else the first: it gets the image. */
function primaryContainer(containers: Container[]): Container {
  return (containers.find(c => c.ports?.length) ?? containers[0]) as Container
}

const isSecretEnv = (e: EnvVar) => Boolean(e.valueSource)

function mergeEnv(env: EnvVar[], changes: SpecChanges): EnvVar[] {
  let result = [...env]
  const envSecrets = [...(changes.secrets ?? [])].filter(([key]) => !key.startsWith('/'))
  if (changes.envVars && changes.envVarsUpdateStrategy === 'overwrite') {
    result = result.filter(isSecretEnv)
  }
  if (changes.secrets && changes.secretsUpdateStrategy === 'overwrite') {
    result = result.filter(e => !isSecretEnv(e))
  }
  const upsert = (entry: EnvVar) => {
    const index = result.findIndex(e => e.name === entry.name)
    if (index >= 0) result[index] = entry
    else result.push(entry)
  }
  for (const [name, value] of changes.envVars ?? []) upsert({ name, value })
  for (const [name, ref] of envSecrets) {
    upsert({ name, valueSource: { secretKeyRef: { secret: ref.secret, version: ref.version } } })
  }
  return result
}

/** `/etc/secrets/api/key` → a secret volume mounted at `/etc/secrets/api` with the file `key`. */
function mergeSecretVolumes(pod: PodTemplate, container: Container, changes: SpecChanges): void {
  const mounts = [...(changes.secrets ?? [])].filter(([key]) => key.startsWith('/'))
  let volumes = pod.volumes ?? []
  let volumeMounts = container.volumeMounts ?? []
  if (changes.secretsUpdateStrategy === 'overwrite' && changes.secrets) {
    const secretVolumes = new Set(volumes.filter(v => v.secret).map(v => v.name))
    volumes = volumes.filter(v => !v.secret)
    volumeMounts = volumeMounts.filter(m => !secretVolumes.has(m.name))
  }
  const byDirectory = new Map<
    string,
    { secret: string; items: { path: string; version: string }[] }
  >()
  for (const [path, ref] of mounts) {
    const directory = path.slice(0, path.lastIndexOf('/')) || '/'
    const file = path.slice(path.lastIndexOf('/') + 1)
    const group = byDirectory.get(directory) ?? { secret: ref.secret, items: [] }
    if (group.secret !== ref.secret) {
      throw new ActionError(
        `Input secrets: ${directory} would hold files from two secrets (${group.secret}, ${ref.secret}); ` +
          'Cloud Run mounts one secret per directory.'
      )
    }
    group.items.push({ path: file, version: ref.version })
    byDirectory.set(directory, group)
  }
  for (const [mountPath, { secret, items }] of byDirectory) {
    const mounted = volumeMounts.find(m => m.mountPath === mountPath)
    const name =
      mounted?.name ??
      `secret-${mountPath
        .replace(/[^a-z0-9]+/gi, '-')
        .replace(/^-|-$/g, '')
        .toLowerCase()}`
    const volume: Volume = { name, secret: { secret, items } }
    const index = volumes.findIndex(v => v.name === name)
    if (index >= 0) volumes[index] = volume
    else volumes.push(volume)
    if (!mounted) volumeMounts.push({ name, mountPath })
  }
  pod.volumes = volumes
  container.volumeMounts = volumeMounts
  if (!pod.volumes.length) delete pod.volumes
  if (!container.volumeMounts.length) delete container.volumeMounts
}

/**
 * As `gcloud run deploy`: `no_traffic` pins what served before to the revision that served it, so the new
 * revision gets none; `tag` points a tag at the new revision. Otherwise traffic is left as it was.
 */
function applyTraffic(service: Service, live: Service | undefined, changes: SpecChanges): void {
  if (!changes.noTraffic && !changes.tag) return
  let traffic: TrafficTarget[] = clone(live?.traffic ?? service.traffic ?? [])
  if (!traffic.length) traffic = [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }]
  if (changes.noTraffic) {
    if (!live) {
      throw new ActionError(
        'Input no_traffic: a new service has no earlier revision to keep traffic on; deploy it once without no_traffic.'
      )
    }
    const serving = live.latestReadyRevision?.split('/').pop()
    traffic = traffic.map(t =>
      t.type === 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST' || (!t.type && !t.revision)
        ? { ...t, type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: serving }
        : t
    )
  }
  if (changes.tag && changes.revisionName) {
    traffic = traffic.filter(t => t.tag !== changes.tag)
    traffic.push({
      type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION',
      revision: changes.revisionName,
      tag: changes.tag,
      percent: 0
    })
  }
  service.traffic = traffic
}
