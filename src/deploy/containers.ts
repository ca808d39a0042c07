/**
 * The pod side of a deploy, pure: which container receives the image, env vars and secrets, and how they
 * merge into what the resource already has. Every other container, volume and mount is kept as it was.
 */
import type { run_v2 } from 'googleapis/build/src/apis/run/v2.js'
import type { EntriesChange, SecretRef } from '../config.js'
import { ActionError } from '../errors.js'

export type Container = run_v2.Schema$GoogleCloudRunV2Container
type EnvVar = run_v2.Schema$GoogleCloudRunV2EnvVar
type Volume = run_v2.Schema$GoogleCloudRunV2Volume
type VolumeMount = run_v2.Schema$GoogleCloudRunV2VolumeMount
type SecretItem = run_v2.Schema$GoogleCloudRunV2VersionToPath

/** What holds the containers: a RevisionTemplate, WorkerPoolRevisionTemplate or TaskTemplate. */
export interface Pod {
  containers?: Container[]
  volumes?: Volume[]
  serviceAccount?: string | null
}

/**
 * The container that receives the image: the one named by the `container` input; else the ingress
 * container (the one with ports: REFERENCE.md "Containers"), or the only one. A resource with several
 * containers and no ingress one needs the input, rather than a guess.
 */
export function selectContainer(
  containers: readonly Container[],
  name: string | undefined
): number {
  const names = () => containers.map((c, i) => c.name ?? `#${i + 1} (unnamed)`).join(', ')
  if (name !== undefined) {
    const index = containers.findIndex(c => c.name === name)
    if (index >= 0) return index
    // A new resource (one empty container) takes the name; an existing one must have it.
    if (containers.length === 1 && !containers[0]?.name && !containers[0]?.image) return 0
    throw new ActionError(
      `Input container: the resource has no container named ${name} (its containers: ${names()}).`
    )
  }
  if (containers.length <= 1) return 0
  const ingress = containers.findIndex(c => c.ports?.length)
  if (ingress >= 0) return ingress
  throw new ActionError(
    `The resource has ${containers.length} containers and none has a port (${names()}): set the ` +
      'container input to the one that receives the image, env_vars and secrets.'
  )
}

const isSecretEnv = (e: EnvVar) => Boolean(e.valueSource)
const isFilePath = (key: string) => key.startsWith('/')

/**
 * The container's env after the env_vars and secrets changes: `overwrite` replaces every plain (env_vars)
 * or secret (secrets) variable; `merge` keeps the others; `remove` drops keys first; order is kept.
 */
export function mergeEnv(
  env: readonly EnvVar[],
  vars: EntriesChange<string> | undefined,
  secrets: EntriesChange<SecretRef> | undefined
): EnvVar[] {
  let result = [...env]
  if (vars?.strategy === 'overwrite') result = result.filter(isSecretEnv)
  if (secrets?.strategy === 'overwrite') result = result.filter(e => !isSecretEnv(e))
  const removed = new Set([...(vars?.remove ?? []), ...(secrets?.remove ?? [])])
  result = result.filter(e => !removed.has(e.name ?? ''))
  const upsert = (entry: EnvVar) => {
    const index = result.findIndex(e => e.name === entry.name)
    if (index >= 0) result[index] = entry
    else result.push(entry)
  }
  for (const [name, value] of vars?.values ?? []) upsert({ name, value })
  for (const [name, ref] of secrets?.values ?? []) {
    if (isFilePath(name)) continue
    upsert({ name, valueSource: { secretKeyRef: { secret: ref.secret, version: ref.version } } })
  }
  return result
}

const directoryOf = (path: string) => path.slice(0, path.lastIndexOf('/')) || '/'
const fileOf = (path: string) => path.slice(path.lastIndexOf('/') + 1)

function volumeName(path: string, taken: ReadonlySet<string>): string {
  const base =
    `secret-${path
      .replace(/[^a-z0-9]+/gi, '-')
      .replace(/^-|-$/g, '')
      .toLowerCase()}`.slice(0, 58) || 'secret'
  let name = base
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`
  return name
}

/**
 * Secrets mounted as files (`/dir/file=SECRET:VERSION`), merged into the pod's secret volumes item by item:
 * a volume already mounted at /dir for the same secret gains or updates the item `file` and keeps its other
 * items and its defaultMode. `overwrite` first removes every secret volume and, in every container, every
 * mount of one (a mount must name a volume). A secret cannot be mounted over a directory that holds another
 * kind of volume, or another secret (Cloud Run mounts one secret per volume): both are errors, before any
 * write.
 */
export function mergeSecretVolumes(
  pod: Pod,
  containerIndex: number,
  secrets: EntriesChange<SecretRef> | undefined
): void {
  if (!secrets) return
  const containers = pod.containers ?? []
  const container = containers[containerIndex] as Container
  let volumes = pod.volumes ?? []
  const unmount = (names: ReadonlySet<string | null | undefined>) => {
    for (const c of containers) {
      if (!c.volumeMounts) continue
      c.volumeMounts = c.volumeMounts.filter(m => !names.has(m.name))
      if (!c.volumeMounts.length) delete c.volumeMounts
    }
  }
  if (secrets.strategy === 'overwrite') {
    const secretVolumes = new Set(volumes.filter(v => v.secret).map(v => v.name))
    volumes = volumes.filter(v => !v.secret)
    unmount(secretVolumes)
  }
  const mountAt = (directory: string): VolumeMount | undefined =>
    container.volumeMounts?.find(m => m.mountPath === directory)

  // --remove-secrets of a file: drop its item; a volume left empty goes, with its mounts.
  for (const key of secrets.remove.filter(isFilePath)) {
    const volume = volumes.find(v => v.name === mountAt(directoryOf(key))?.name && v.secret)
    if (!volume?.secret) continue
    volume.secret.items = (volume.secret.items ?? []).filter(i => i.path !== fileOf(key))
    if (!volume.secret.items.length) {
      volumes = volumes.filter(v => v !== volume)
      unmount(new Set([volume.name]))
    }
  }

  const byDirectory = new Map<string, { secret: string; items: SecretItem[] }>()
  for (const [path, ref] of secrets.values) {
    if (!isFilePath(path)) continue
    const directory = directoryOf(path)
    const group = byDirectory.get(directory) ?? { secret: ref.secret, items: [] }
    if (group.secret !== ref.secret) {
      throw new ActionError(
        `Input secrets: ${directory} would hold files from two secrets (${group.secret}, ${ref.secret}); ` +
          'Cloud Run mounts one secret per directory.'
      )
    }
    group.items.push({ path: fileOf(path), version: ref.version })
    byDirectory.set(directory, group)
  }
  for (const [directory, { secret, items }] of byDirectory) {
    const mount = mountAt(directory)
    const existing = mount && volumes.find(v => v.name === mount.name)
    if (existing && !existing.secret) {
      const what = Object.keys(existing).find(k => k !== 'name') ?? 'non-secret'
      throw new ActionError(
        `Input secrets: ${directory} is where the ${what} volume "${existing.name}" is mounted; a secret ` +
          'cannot be mounted over it. Mount the secret at another directory.'
      )
    }
    if (existing?.secret) {
      if (existing.secret.secret !== secret) {
        throw new ActionError(
          `Input secrets: ${directory} holds the secret ${existing.secret.secret} (volume "${existing.name}"); ` +
            `Cloud Run mounts one secret per directory, so ${secret} needs a directory of its own.`
        )
      }
      const merged = [...(existing.secret.items ?? [])]
      for (const item of items) {
        const index = merged.findIndex(i => i.path === item.path)
        if (index >= 0) merged[index] = { ...merged[index], ...item }
        else merged.push(item)
      }
      existing.secret = { ...existing.secret, items: merged }
      continue
    }
    const name = volumeName(directory, new Set(volumes.map(v => v.name ?? '')))
    volumes.push({ name, secret: { secret, items } })
    container.volumeMounts = [...(container.volumeMounts ?? []), { name, mountPath: directory }]
  }
  pod.volumes = volumes
  if (!pod.volumes.length) delete pod.volumes
}
