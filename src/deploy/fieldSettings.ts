/**
 * Applying a flags translation (src/dialects/flags.ts) to a Cloud Run v2 resource: each field setting in its
 * scope (the resource, a job's execution template, the pod template, the chosen container), and a Cloud SQL
 * edit on the live instances. Pure; used by the spec merge on every deploy that has flags, so it stays out of
 * the lazily loaded translator.
 */
import type { run_v2 } from 'googleapis/build/src/apis/run/v2.js'
import type { ResourceKind } from '../config.js'
import type { CloudSqlEdit, FieldScope, FieldSetting } from '../dialects/gcloud.js'
import { ActionError } from '../errors.js'

type Container = run_v2.Schema$GoogleCloudRunV2Container
type Volume = run_v2.Schema$GoogleCloudRunV2Volume
type Service = run_v2.Schema$GoogleCloudRunV2Service
type Job = run_v2.Schema$GoogleCloudRunV2Job
type WorkerPool = run_v2.Schema$GoogleCloudRunV2WorkerPool

const INPUT = 'flags'
const KIND_NAME: Readonly<Record<ResourceKind, string>> = {
  service: 'service',
  job: 'job',
  workerPool: 'worker pool'
}

// ---------------------------------------------------------------------------------------------------------
// Applying

type RunResource = Service | Job | WorkerPool
type JsonObject = Record<string, unknown>

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** The container that receives the image: the one with a port (the ingress container), else the first. */
/**
 * The object a scope names inside a resource; with `create`, missing templates and the container are made,
 * else a missing one is undefined. Execution exists for jobs only.
 */
function scopeOf(
  kind: ResourceKind,
  resource: JsonObject,
  scope: FieldScope,
  create: boolean,
  containerIndex: number
): JsonObject | undefined {
  const child = (parent: JsonObject | undefined, key: string): JsonObject | undefined => {
    if (!parent) return undefined
    const existing = parent[key]
    if (isObject(existing)) return existing
    if (!create) return undefined
    const made: JsonObject = {}
    parent[key] = made
    return made
  }
  if (scope === 'resource') return resource
  if (scope === 'execution') return kind === 'job' ? child(resource, 'template') : undefined
  const revision =
    kind === 'job' ? child(child(resource, 'template'), 'template') : child(resource, 'template')
  if (scope === 'revision' || !revision) return revision
  let containers = revision.containers
  if (!Array.isArray(containers) || containers.length === 0) {
    if (!create) return undefined
    containers = [{}]
    revision.containers = containers
  }
  return (containers as Container[])[containerIndex] as JsonObject | undefined
}

function readPath(object: unknown, path: readonly string[]): unknown {
  let current = object
  for (const segment of path) {
    if (Array.isArray(current) && /^\d+$/.test(segment)) current = current[Number(segment)]
    else if (isObject(current)) current = current[segment]
    else return undefined
  }
  return current
}

function writePath(object: JsonObject, path: readonly string[], value: unknown): void {
  let current: unknown = object
  for (let i = 0; i < path.length - 1; i++) {
    const segment = path[i] as string
    const nextIsIndex = /^\d+$/.test(path[i + 1] as string)
    const holder = current as Record<string, unknown>
    let next = holder[segment]
    if (next === undefined || next === null || typeof next !== 'object') {
      if (value === undefined) return // nothing to clear
      next = nextIsIndex ? [] : {}
      holder[segment] = next
    }
    current = next
  }
  const last = path[path.length - 1] as string
  const holder = current as Record<string, unknown>
  if (value === undefined) {
    if (Array.isArray(holder) && /^\d+$/.test(last)) holder.splice(Number(last), 1)
    else delete holder[last]
  } else if (Array.isArray(holder) && /^\d+$/.test(last)) {
    const index = Number(last)
    while (holder.length < index) holder.push({})
    holder[index] = structuredClone(value)
  } else {
    holder[last] = structuredClone(value)
  }
}

/**
 * Applies field settings to a copy of a v2 Service, Job or WorkerPool (the input is not changed). A setting
 * creates the templates and the container it needs; clearing what is not there changes nothing. The
 * container is the one at `containerIndex`, the one that receives the image (src/deploy/containers.ts,
 * selectContainer). `onlyIfAbsent` is judged on the resource as given.
 */
export function applyFieldSettings<T extends RunResource>(
  kind: ResourceKind,
  resource: T,
  settings: readonly FieldSetting[],
  containerIndex = 0
): T {
  const original = resource as JsonObject
  const copy = structuredClone(resource) as JsonObject
  for (const setting of settings) {
    if (setting.scope === 'execution' && kind !== 'job') {
      throw new ActionError(`${setting.flag}: a ${KIND_NAME[kind]} has no execution template.`)
    }
    if (setting.onlyIfAbsent) {
      const before = scopeOf(kind, original, setting.scope, false, containerIndex)
      if (readPath(before, setting.onlyIfAbsent) !== undefined) continue
    }
    const target = scopeOf(kind, copy, setting.scope, setting.value !== undefined, containerIndex)
    if (target) writePath(target, setting.path, setting.value)
  }
  return copy as T
}

/** The pod template parts a Cloud SQL edit touches (RevisionTemplate, TaskTemplate, WorkerPoolRevisionTemplate). */
export interface CloudSqlPod {
  readonly volumes?: Volume[]
  readonly containers?: Container[]
}

const CLOUD_SQL_VOLUME = 'cloudsql'
const CLOUD_SQL_MOUNT_PATH = '/cloudsql'

/**
 * Applies a Cloud SQL edit as gcloud's --add/--set/--remove/--clear-cloudsql-instances do on the live
 * resource, in v2 terms (v2/config_changes.py AddCloudSQLChanges, SetCloudSQLChanges, RemoveCloudSQLChanges,
 * ClearCloudSQLChanges): one `cloudSqlInstance` volume named "cloudsql" holds the instances; add appends the
 * ones not there yet, remove drops the given ones, set replaces, clear removes the volume, and a volume left
 * with no instance is removed. Plain names become PROJECT:REGION:NAME of the deploy target
 * (CloudSQLChanges.Augment). The container gets the volume mounted at /cloudsql, the one mount path v2
 * allows for it (VolumeMount.mountPath: "For Cloud SQL volumes, it can be left empty, or must otherwise be
 * /cloudsql"); gcloud's v2 path adds no mount, Cloud Run's and Terraform's examples do. When the volume
 * goes, every container's mount of it goes too (a mount must name a volume). Other volumes and mounts are
 * kept. Pure: returns copies; `container` may be one of `pod.containers` (then the returned pod holds the
 * returned container in its place).
 */
export function applyCloudSql<P extends CloudSqlPod>(
  pod: P,
  container: Container,
  edit: CloudSqlEdit,
  target: { readonly project: string; readonly region: string }
): { pod: P; container: Container } {
  const index = pod.containers?.indexOf(container) ?? -1
  const next = structuredClone(pod) as P & { volumes?: Volume[]; containers?: Container[] }
  // Inside the copied pod when the container is one of its own, so both results agree.
  const changed: Container =
    index >= 0 ? (next.containers?.[index] as Container) : structuredClone(container)
  const qualify = (instance: string) =>
    instance.includes(':') ? instance : `${target.project}:${target.region}:${instance}`
  const wanted = edit.instances.map(qualify)

  const volumes = next.volumes ?? []
  // gcloud's v2 path looks for the name "cloudsql"; any cloudSqlInstance volume is the same thing to Cloud Run.
  const existing =
    volumes.find(v => v.name === CLOUD_SQL_VOLUME && v.cloudSqlInstance) ??
    volumes.find(v => v.cloudSqlInstance)
  const current = existing?.cloudSqlInstance?.instances ?? []
  let instances: string[]
  switch (edit.op) {
    case 'add':
      instances = [
        ...current,
        ...wanted.filter((w, i) => !current.includes(w) && wanted.indexOf(w) === i)
      ]
      break
    case 'remove':
      instances = current.filter(i => !wanted.includes(i))
      break
    case 'set':
      instances = wanted.filter((w, i) => wanted.indexOf(w) === i)
      break
    case 'clear':
      instances = []
      break
  }

  if (instances.length === 0) {
    if (existing) {
      const name = existing.name
      next.volumes = volumes.filter(v => v !== existing)
      if (next.volumes.length === 0) delete next.volumes
      const unmount = (c: Container) => {
        if (!c.volumeMounts) return
        c.volumeMounts = c.volumeMounts.filter(m => m.name !== name)
        if (c.volumeMounts.length === 0) delete c.volumeMounts
      }
      next.containers?.forEach(unmount)
      if (index < 0) unmount(changed)
    }
    return { pod: next, container: changed }
  }

  const name = existing?.name ?? CLOUD_SQL_VOLUME
  if (existing) {
    existing.cloudSqlInstance = { ...existing.cloudSqlInstance, instances }
  } else {
    if (volumes.some(v => v.name === name)) {
      throw new ActionError(
        `Input ${INPUT}: the template already has a volume named "${name}" that is not a Cloud SQL ` +
          'volume; rename it in a metadata file.'
      )
    }
    next.volumes = [...volumes, { name, cloudSqlInstance: { instances } }]
  }
  const mounts = changed.volumeMounts ?? []
  if (!mounts.some(m => m.name === name)) {
    changed.volumeMounts = [...mounts, { name, mountPath: CLOUD_SQL_MOUNT_PATH }]
  }
  return { pod: next, container: changed }
}
