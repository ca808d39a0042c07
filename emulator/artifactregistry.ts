/**
 * Artifact Registry v1 (repositories, their IAM policies, packages, tags and versions of Docker images) and
 * the image pull that Cloud Run's service agent performs through the Docker Registry API when a revision
 * starts, including through virtual and remote repositories.
 * https://cloud.google.com/artifact-registry/docs/reference/rest
 */
import { createHash } from 'node:crypto'
import type { artifactregistry_v1 } from 'googleapis/build/src/apis/artifactregistry/v1.js'
import {
  GoogleApiError,
  type EmulatorRequest,
  type PullResult,
  type Route,
  type Scenario
} from './core.js'
import { policyRoutes, type IamModel } from './iam.js'

const SERVICE = '//artifactregistry.googleapis.com'
const DOWNLOAD = 'artifactregistry.repositories.downloadArtifacts'
/** ASSUMPTION: scenarios carry no timestamps; a fixed one stands in. */
const CREATED = '2024-01-01T00:00:00Z'

type RepositoryMode = 'STANDARD_REPOSITORY' | 'VIRTUAL_REPOSITORY' | 'REMOTE_REPOSITORY'

/** One package (image path) of a repository: its tags and every version (digest) it holds. */
interface ImageRecord {
  readonly tags: Map<string, string>
  /** Tagged and untagged digests alike: a pull by digest caches a version without a tag. */
  readonly versions: Set<string>
}

/** What `remoteRepositoryConfig` says when a scenario gives none: Docker Hub, the common upstream. */
const DOCKER_HUB_UPSTREAM: artifactregistry_v1.Schema$RemoteRepositoryConfig = {
  description: 'Docker Hub',
  dockerRepository: { publicRepository: 'DOCKER_HUB' }
}

interface RepositoryRecord {
  /** `projects/P/locations/L/repositories/R`, with the project's ID. */
  readonly name: string
  readonly project: string
  readonly location: string
  readonly id: string
  readonly mode: RepositoryMode
  /** Upstream repository names, highest priority first. */
  readonly upstreams: readonly string[]
  /** Image path → its tags and versions; for a remote repository, what it has cached so far. */
  readonly images: Map<string, ImageRecord>
  /** Remote repositories: the upstream's settings and what the upstream registry holds. */
  readonly remote?: {
    readonly config: artifactregistry_v1.Schema$RemoteRepositoryConfig
    readonly upstreamImages: ReadonlyMap<string, ReadonlyMap<string, string>>
  }
}

function imageRecords(images: Readonly<Record<string, Readonly<Record<string, string>>>> = {}) {
  return new Map(
    Object.entries(images).map(([image, tags]): [string, ImageRecord] => [
      image,
      { tags: new Map(Object.entries(tags)), versions: new Set(Object.values(tags)) }
    ])
  )
}

/** The digest `tags` holds for a tag (`latest` when none) or a digest, if it holds it. */
function lookup(
  tags: ReadonlyMap<string, string> | undefined,
  tag: string | undefined,
  digest: string | undefined
): string | undefined {
  if (!tags) return undefined
  if (digest) return [...tags.values()].includes(digest) ? digest : undefined
  return tags.get(tag ?? 'latest')
}

/**
 * gcr.io is served by Artifact Registry: each host is a repository of that ID in a multi-region
 * (REFERENCE.md, "Image references").
 */
const GCR_HOSTS: Readonly<Record<string, string>> = {
  'gcr.io': 'us',
  'us.gcr.io': 'us',
  'eu.gcr.io': 'europe',
  'asia.gcr.io': 'asia'
}
const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io'])

export interface ParsedImage {
  readonly kind: 'artifact-registry' | 'docker-hub' | 'other'
  readonly host: string
  /** Project ID as resource names spell it (`example.com:proj`). */
  readonly project: string | undefined
  readonly location: string | undefined
  readonly repository: string | undefined
  /** Path inside the repository (for Docker Hub, the path with `library/` for official images). */
  readonly image: string
  readonly tag: string | undefined
  readonly digest: string | undefined
  /** The Docker Registry API manifest URL a pull requests. */
  readonly manifestUrl: string
}

/** Splits an image reference the way the Docker distribution `reference` grammar does. */
export function parseImageUri(uri: string): ParsedImage {
  let rest = uri.trim()
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
  }
  let tag: string | undefined
  const colon = rest.lastIndexOf(':')
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
  }
  const segments = rest.split('/')
  const first = segments[0] ?? ''
  const hasHost =
    segments.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')
  const host = hasHost ? first : 'docker.io'
  const path = hasHost ? segments.slice(1) : segments
  const reference = digest ?? tag ?? 'latest'
  const manifestUrl = (registry: string, repoPath: string) =>
    `https://${registry}/v2/${repoPath}/manifests/${reference}`

  if (DOCKER_HUB_HOSTS.has(host)) {
    const image = path.length === 1 ? `library/${path[0] ?? ''}` : path.join('/')
    return {
      kind: 'docker-hub',
      host: 'docker.io',
      project: undefined,
      location: undefined,
      repository: undefined,
      image,
      tag,
      digest,
      manifestUrl: manifestUrl('registry-1.docker.io', image)
    }
  }
  const arLocation = host.match(/^([a-z0-9-]+)-docker\.pkg\.dev$/)?.[1]
  const gcrLocation = GCR_HOSTS[host]
  if (arLocation || gcrLocation) {
    // Domain-scoped projects: `example.com:proj` is written `example.com/proj` in an image path.
    const domainScoped = (path[0] ?? '').includes('.')
    const project = domainScoped ? `${path[0] ?? ''}:${path[1] ?? ''}` : (path[0] ?? '')
    const afterProject = path.slice(domainScoped ? 2 : 1)
    const repository = arLocation ? afterProject[0] : host
    const image = (arLocation ? afterProject.slice(1) : afterProject).join('/')
    return {
      kind: 'artifact-registry',
      host,
      project,
      location: arLocation ?? gcrLocation,
      repository,
      image,
      tag,
      digest,
      manifestUrl: manifestUrl(host, path.join('/'))
    }
  }
  return {
    kind: 'other',
    host,
    project: undefined,
    location: undefined,
    repository: undefined,
    image: path.join('/'),
    tag,
    digest,
    manifestUrl: manifestUrl(host, path.join('/'))
  }
}

/** The registry's own error body (Docker Registry HTTP API v2 error format). */
function registryErrors(code: string, message: string): string {
  return JSON.stringify({ errors: [{ code, message }] })
}

/** Package IDs with `/` are escaped in resource names (the `name` field's description in the API). */
function packageSegment(image: string): string {
  return image.replaceAll('/', '%2F')
}

export class ArtifactRegistryModel {
  private readonly repositories = new Map<string, RepositoryRecord>()

  constructor(
    scenario: Scenario,
    private readonly iam: IamModel
  ) {
    for (const repo of scenario.repositories ?? []) {
      const name = iam.canonical(repo.name)
      const [, project = '', , location = '', , id = ''] = name.split('/')
      const mode = repo.mode ?? 'STANDARD_REPOSITORY'
      this.repositories.set(name, {
        name,
        project,
        location,
        id,
        mode,
        upstreams: (repo.upstreams ?? []).map(upstream => iam.canonical(upstream)),
        images: imageRecords(repo.images),
        ...(mode === 'REMOTE_REPOSITORY'
          ? {
              remote: {
                config: structuredClone(repo.remoteRepositoryConfig ?? DOCKER_HUB_UPSTREAM),
                upstreamImages: new Map(
                  Object.entries(repo.upstreamImages ?? {}).map(([image, tags]) => [
                    image,
                    new Map(Object.entries(tags))
                  ])
                )
              }
            }
          : {})
      })
    }
  }

  repository(name: string): RepositoryRecord | undefined {
    return this.repositories.get(this.iam.canonical(name))
  }

  /**
   * A pull as the Docker Registry API answers it: downloadArtifacts on the repository, then the tag
   * (`latest` when none) or digest. A virtual repository pulls from its upstreams as Artifact
   * Registry's own service agent, which needs downloadArtifacts there
   * (https://cloud.google.com/artifact-registry/docs/repositories/virtual-repo). A remote repository
   * fetches what it has not cached from its upstream at pull time and caches it
   * (https://cloud.google.com/artifact-registry/docs/repositories/remote-overview), so a successful
   * pull makes the tag visible to the API (REFERENCE.md, "Remote repositories").
   */
  pullImage(member: string, imageUri: string): PullResult {
    const image = parseImageUri(imageUri)
    if (image.kind === 'docker-hub') {
      // Docker Hub needs no IAM; the digest is a stand-in that is stable per reference.
      const reference = `${image.image}:${image.tag ?? 'latest'}`
      const digest =
        image.digest ?? `sha256:${createHash('sha256').update(reference).digest('hex')}`
      return { ok: true, digest }
    }
    const notFound = (code: string, message: string, project = image.project): PullResult => ({
      ok: false,
      reason: 'not-found',
      registryBody: registryErrors(code, message),
      manifestUrl: image.manifestUrl,
      imageProject: project
    })
    if (image.kind === 'other' || !image.repository) {
      // ASSUMPTION: Cloud Run cannot reach other registries; reported as a missing image.
      return notFound('NAME_UNKNOWN', `Registry "${image.host}" is not supported`)
    }
    const name = `projects/${image.project ?? ''}/locations/${image.location ?? ''}/repositories/${image.repository}`
    const denied = (resource: string): PullResult => ({
      ok: false,
      reason: 'denied',
      registryBody: registryErrors(
        'DENIED',
        `Permission "${DOWNLOAD}" denied on resource "${resource}" (or it may not exist)`
      ),
      manifestUrl: image.manifestUrl,
      imageProject: image.project
    })
    if (!this.iam.hasPermission(member, DOWNLOAD, name)) return denied(name)
    const repo = this.repository(name)
    // ASSUMPTION: the registry's wording for a repository that does not exist.
    if (!repo) return notFound('NAME_UNKNOWN', `Repository "${image.repository}" not found`)
    const reference = image.digest ?? image.tag ?? 'latest'
    const manifestPath = new URL(image.manifestUrl).pathname
    // ASSUMPTION: the registry's wording for a missing tag or digest.
    const missing = () =>
      notFound('MANIFEST_UNKNOWN', `Failed to fetch "${reference}" from request "${manifestPath}".`)

    if (repo.mode !== 'VIRTUAL_REPOSITORY') {
      const found = this.find(repo, image.image, image.tag, image.digest)
      if (!found) return missing()
      found.cache()
      return { ok: true, digest: found.digest }
    }
    const number = this.iam.findProject(repo.project)?.projectNumber ?? repo.project
    const agent = `serviceAccount:service-${number}@gcp-sa-artifactregistry.iam.gserviceaccount.com`
    for (const upstreamName of repo.upstreams) {
      const upstream = this.repository(upstreamName)
      const found = upstream && this.find(upstream, image.image, image.tag, image.digest)
      if (!upstream || !found) continue
      // ASSUMPTION: the virtual repository reports the upstream its agent could not read.
      if (!this.iam.hasPermission(agent, DOWNLOAD, upstream.name)) return denied(upstream.name)
      found.cache()
      return { ok: true, digest: found.digest }
    }
    return missing()
  }

  /**
   * Where a pull of `image` finds its digest: the repository's own images, or, for a remote repository,
   * its upstream. `cache()` records what a remote repository fetched; the pull calls it once it is
   * allowed, so a denied pull caches nothing.
   * ASSUMPTION: a cached tag is served from the cache even if the upstream has moved it since.
   */
  private find(
    repo: RepositoryRecord,
    image: string,
    tag: string | undefined,
    digest: string | undefined
  ): { digest: string; cache(): void } | undefined {
    const record = repo.images.get(image)
    const cached = digest
      ? record?.versions.has(digest)
        ? digest
        : undefined
      : record?.tags.get(tag ?? 'latest')
    if (cached) return { digest: cached, cache: () => undefined }
    const fetched = repo.remote && lookup(repo.remote.upstreamImages.get(image), tag, digest)
    if (!fetched) return undefined
    return {
      digest: fetched,
      cache: () => {
        const target = record ?? { tags: new Map<string, string>(), versions: new Set<string>() }
        target.versions.add(fetched)
        // A pull by digest caches the version only: the API then knows no tag for it.
        if (!digest) target.tags.set(tag ?? 'latest', fetched)
        repo.images.set(image, target)
      }
    }
  }

  private render(repo: RepositoryRecord): artifactregistry_v1.Schema$Repository {
    const projectPath = repo.project.replace(':', '/')
    const registryUri =
      repo.id in GCR_HOSTS
        ? `${repo.id}/${projectPath}`
        : `${repo.location}-docker.pkg.dev/${projectPath}/${repo.id}`
    const body: artifactregistry_v1.Schema$Repository = {
      name: repo.name,
      format: 'DOCKER',
      mode: repo.mode,
      createTime: CREATED,
      updateTime: CREATED,
      registryUri
    }
    if (repo.remote) body.remoteRepositoryConfig = structuredClone(repo.remote.config)
    if (repo.mode === 'VIRTUAL_REPOSITORY') {
      // "Entries with a greater priority value take precedence in the pull order" (UpstreamPolicy).
      body.virtualRepositoryConfig = {
        upstreamPolicies: repo.upstreams.map((upstream, index) => ({
          id: upstream.split('/').at(-1),
          repository: upstream,
          priority: repo.upstreams.length - index
        }))
      }
    }
    return body
  }

  /** The repository named by the path, after `permission` is checked on it; 404 when it is missing. */
  private authorized(req: EmulatorRequest, permission: string): RepositoryRecord {
    const { project = '', location = '', repo: id = '' } = req.params
    const name = this.iam.canonical(`projects/${project}/locations/${location}/repositories/${id}`)
    this.iam.authorize(req.principal, permission, name, `${SERVICE}/${name}`)
    const repo = this.repository(name)
    if (!repo) throw new GoogleApiError('NOT_FOUND', 'Requested entity was not found.')
    return repo
  }

  routes(): Route[] {
    const repoPath =
      '/v1/projects/(?<project>[^/]+)/locations/(?<location>[^/]+)/repositories/(?<repo>[^/:%]+)'
    const pkgPath = `${repoPath}/packages/(?<pkg>[^/]+)`
    return [
      {
        method: 'GET',
        pattern: new RegExp(`^${repoPath}$`),
        name: 'artifactregistry.repositories.get',
        handler: req => ({
          body: this.render(this.authorized(req, 'artifactregistry.repositories.get'))
        })
      },
      ...policyRoutes(this.iam, {
        name: 'artifactregistry.repositories',
        path: repoPath,
        getMethod: 'GET',
        permission: 'artifactregistry.repositories',
        resolve: (req, permission) => {
          if (!permission) {
            const { project = '', location = '', repo = '' } = req.params
            const name = this.iam.canonical(
              `projects/${project}/locations/${location}/repositories/${repo}`
            )
            return { resource: name, shown: `${SERVICE}/${name}` }
          }
          const repo = this.authorized(req, permission)
          return { resource: repo.name, shown: `${SERVICE}/${repo.name}` }
        }
      }),
      {
        method: 'GET',
        pattern: new RegExp(`^${pkgPath}$`),
        name: 'artifactregistry.packages.get',
        handler: req => {
          const repo = this.authorized(req, 'artifactregistry.packages.get')
          const { pkg = '' } = req.params
          if (!repo.images.has(pkg)) {
            throw new GoogleApiError('NOT_FOUND', 'Requested entity was not found.')
          }
          const body: artifactregistry_v1.Schema$Package = {
            name: `${repo.name}/packages/${packageSegment(pkg)}`,
            createTime: CREATED,
            updateTime: CREATED
          }
          return { body }
        }
      },
      {
        method: 'GET',
        pattern: new RegExp(`^${pkgPath}/tags/(?<tag>[^/]+)$`),
        name: 'artifactregistry.tags.get',
        handler: req => {
          // The path parameter is decoded once: `team%2Fapi` is the package `team/api`, while a
          // double-encoded `team%252Fapi` names a package `team%2Fapi` that does not exist.
          // A remote repository answers only for what it has cached: a tag its upstream holds is a
          // 404 here until a pull has fetched it.
          const repo = this.authorized(req, 'artifactregistry.tags.get')
          const { pkg = '', tag = '' } = req.params
          const digest = repo.images.get(pkg)?.tags.get(tag)
          if (!digest) throw new GoogleApiError('NOT_FOUND', 'Requested entity was not found.')
          const packageName = `${repo.name}/packages/${packageSegment(pkg)}`
          const body: artifactregistry_v1.Schema$Tag = {
            name: `${packageName}/tags/${tag}`,
            version: `${packageName}/versions/${digest}`
          }
          return { body }
        }
      },
      {
        method: 'GET',
        pattern: new RegExp(`^${pkgPath}/versions/(?<version>[^/]+)$`),
        name: 'artifactregistry.versions.get',
        handler: req => {
          const repo = this.authorized(req, 'artifactregistry.versions.get')
          const { pkg = '', version = '' } = req.params
          if (!repo.images.get(pkg)?.versions.has(version)) {
            throw new GoogleApiError('NOT_FOUND', 'Requested entity was not found.')
          }
          const body: artifactregistry_v1.Schema$Version = {
            name: `${repo.name}/packages/${packageSegment(pkg)}/versions/${version}`,
            createTime: CREATED,
            updateTime: CREATED
          }
          return { body }
        }
      }
    ]
  }
}
