export type RegistryKind = 'artifact-registry' | 'docker-hub' | 'other'

export interface ImageReference {
  /** The reference as given. */
  readonly raw: string
  readonly kind: RegistryKind
  /** e.g. `asia-northeast1-docker.pkg.dev`, `gcr.io`, `docker.io`. */
  readonly host: string
  /** Artifact Registry location (`asia-northeast1`, `us`, `europe`, `asia`); undefined outside Artifact Registry. */
  readonly location: string | undefined
  /** Project ID as API resource names spell it (`example.com:my-proj`); undefined outside Artifact Registry. */
  readonly project: string | undefined
  /** Artifact Registry repository ID (`gcr.io` for gcr.io hosts); undefined outside Artifact Registry. */
  readonly repository: string | undefined
  /** The image path inside the repository (`myjob`, `team/api/server`); for Docker Hub `library/nginx`. */
  readonly imagePath: string
  /** The tag as given, or undefined; when both tag and digest are absent, Cloud Run pulls `latest`. */
  readonly tag: string | undefined
  /** `sha256:<64 hex>` when pinned by digest. */
  readonly digest: string | undefined
}

export class ImageReferenceError extends Error {
  override readonly name = 'ImageReferenceError'
}

// The grammar below is the one of the Docker distribution project's `reference` package
// (github.com/distribution/reference, regexp.go and normalize.go).
const TAG = /^\w[\w.-]{0,127}$/
const TAG_RULE = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}'
// Cloud Run pulls by sha256 only, so other algorithms are refused here rather than by the deploy.
const DIGEST = /^sha256:[0-9a-f]{64}$/
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const PATH_COMPONENT_RULE = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*'
// An IPv6 address in brackets holds hexadecimal digits and colons only: no zone, no embedded IPv4.
const HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/
// Docker refuses a reference that is exactly an image ID, to keep it from being read as a name.
const IMAGE_ID = /^[a-f0-9]{64}$/
const NAME_MAX_LENGTH = 255

const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io'])
// gcr.io is served by Artifact Registry since Container Registry shut down (2025-03-18).
const GCR_LOCATIONS: ReadonlyMap<string, string> = new Map([
  ['gcr.io', 'us'],
  ['us.gcr.io', 'us'],
  ['eu.gcr.io', 'europe'],
  ['asia.gcr.io', 'asia']
])
const ARTIFACT_REGISTRY_HOST = /^(.+)-docker\.pkg\.dev$/
const LOCATION = /^(?:us|europe|asia|[a-z]+-[a-z]+[0-9]+)$/
const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/
const PROJECT_ID_RULE =
  '6 to 30 lower-case letters, digits or hyphens, starting with a letter and not ending with a hyphen'
const DOMAIN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/
const REPOSITORY_ID = /^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/

function fail(message: string): never {
  throw new ImageReferenceError(message)
}

/**
 * Splits a container image reference into the parts the permission checks need: the registry, and for
 * Artifact Registry (gcr.io included) the location, project and repository that hold the image.
 */
export function parseImageReference(ref: string): ImageReference {
  if (ref === '') fail('the image reference is empty')
  // Whitespace inside is reported by the part it falls in; at the ends it is a copy-paste slip.
  if (ref.trim() !== ref) fail('the image reference must not start or end with whitespace')
  const scheme = ref.indexOf('://')
  if (scheme >= 0) {
    fail(
      `the image reference must not have a scheme ("${ref.slice(0, scheme + 3)}"): give HOST/PATH`
    )
  }

  const at = ref.indexOf('@')
  const nameAndTag = at < 0 ? ref : ref.slice(0, at)
  const digest = at < 0 ? undefined : ref.slice(at + 1)
  // A colon after the last slash starts the tag; one before it belongs to a host's port.
  const colon = nameAndTag.indexOf(':', nameAndTag.lastIndexOf('/') + 1)
  const name = colon < 0 ? nameAndTag : nameAndTag.slice(0, colon)
  const tag = colon < 0 ? undefined : nameAndTag.slice(colon + 1)

  if (name === '') fail('the image name is empty')
  if (IMAGE_ID.test(ref)) {
    fail('64 hexadecimal digits are an image ID, not a reference: give NAME@sha256:DIGEST')
  }
  if (!name.includes('/') && isRegistryHost(nameAndTag, name)) {
    fail(`"${nameAndTag}" is a registry host with no image path after it`)
  }
  if (tag !== undefined && !TAG.test(tag)) fail(`tag "${tag}" must match ${TAG_RULE}`)
  if (digest !== undefined && !DIGEST.test(digest)) {
    fail(`digest "${digest}" must be "sha256:" followed by 64 lower-case hexadecimal digits`)
  }
  if (name.length > NAME_MAX_LENGTH) {
    fail(`the image name is ${name.length} characters long, more than ${NAME_MAX_LENGTH}`)
  }

  const slash = name.indexOf('/')
  const first = slash < 0 ? '' : name.slice(0, slash)
  const host = first !== '' && isHostLike(first) ? first : undefined
  const path = host === undefined ? name : name.slice(slash + 1)
  if (host !== undefined && !HOST.test(host)) {
    fail(`registry host "${host}" must be a host name or IP address with an optional :port`)
  }
  const segments = checkedPath(path, host)
  const parts = { raw: ref, tag, digest }

  const lowerHost = host?.toLowerCase()
  if (host !== lowerHost && lowerHost !== undefined && isKnownHost(lowerHost)) {
    fail(`registry host "${host}" must be lower-case`)
  }
  if (host === undefined || DOCKER_HUB_HOSTS.has(host)) {
    // Docker Hub keeps single-component official images under `library/`.
    const imagePath = segments.length === 1 ? `library/${path}` : path
    return Object.freeze({
      ...parts,
      kind: 'docker-hub',
      host: 'docker.io',
      location: undefined,
      project: undefined,
      repository: undefined,
      imagePath
    })
  }

  const gcrLocation = GCR_LOCATIONS.get(host)
  if (gcrLocation !== undefined) {
    const { project, rest } = splitProject(segments, host)
    if (rest.length === 0)
      fail(`no image after project "${project}" (expected ${host}/PROJECT/IMAGE)`)
    return Object.freeze({
      ...parts,
      kind: 'artifact-registry',
      host,
      location: gcrLocation,
      project,
      repository: host,
      imagePath: rest.join('/')
    })
  }

  const artifactRegistry = ARTIFACT_REGISTRY_HOST.exec(host)
  if (artifactRegistry) {
    const location = artifactRegistry[1] ?? ''
    if (!LOCATION.test(location)) {
      fail(
        `location "${location}" in host "${host}" must be a region such as asia-northeast1 or a multi-region (us, europe or asia)`
      )
    }
    const { project, rest } = splitProject(segments, host)
    const [repository, ...image] = rest
    const expected = `expected ${host}/PROJECT/REPOSITORY/IMAGE`
    if (repository === undefined) fail(`no repository after project "${project}" (${expected})`)
    if (!REPOSITORY_ID.test(repository)) {
      fail(
        `repository "${repository}" must be 1 to 63 lower-case letters, digits or hyphens, starting with a letter and not ending with a hyphen`
      )
    }
    if (image.length === 0) fail(`no image after repository "${repository}" (${expected})`)
    return Object.freeze({
      ...parts,
      kind: 'artifact-registry',
      host,
      location,
      project,
      repository,
      imagePath: image.join('/')
    })
  }

  return Object.freeze({
    ...parts,
    kind: 'other',
    host,
    location: undefined,
    project: undefined,
    repository: undefined,
    imagePath: path
  })
}

/**
 * Docker's rule (distribution/reference, normalize.go, splitDockerDomain): when a name has more than one
 * component, the first names a registry host if it has a dot or a port, is localhost, or has upper-case
 * letters (which a path component cannot have). A name of one component is always a Docker Hub image:
 * `ubuntu-12.04-base` is docker.io/library/ubuntu-12.04-base, and `test.com:5000` is the image
 * library/test.com with the tag 5000.
 */
function isHostLike(component: string): boolean {
  return (
    component.includes('.') ||
    component.includes(':') ||
    component === 'localhost' ||
    component.toLowerCase() !== component
  )
}

/**
 * One-component names Docker would read as Docker Hub images but that name a registry: localhost, an
 * IPv6 address, or a registry this action knows. Docker Hub has no such official images, so the
 * reference more likely lost its path (an empty variable) than means one.
 */
function isRegistryHost(nameAndTag: string, name: string): boolean {
  return nameAndTag.startsWith('[') || name === 'localhost' || isKnownHost(name.toLowerCase())
}

function isKnownHost(host: string): boolean {
  return DOCKER_HUB_HOSTS.has(host) || GCR_LOCATIONS.has(host) || ARTIFACT_REGISTRY_HOST.test(host)
}

function checkedPath(path: string, host: string | undefined): string[] {
  if (path === '') fail(`no image path after registry host "${host ?? ''}"`)
  const segments = path.split('/')
  for (const segment of segments) {
    if (segment === '') fail(`image path "${path}" has an empty component`)
    if (PATH_COMPONENT.test(segment)) continue
    if (/\s/.test(segment)) fail(`path component "${segment}" must not contain whitespace`)
    if (PATH_COMPONENT.test(segment.toLowerCase())) {
      fail(`path component "${segment}" must be lower-case`)
    }
    fail(`path component "${segment}" must match ${PATH_COMPONENT_RULE}`)
  }
  return segments
}

/** The URL spells a domain-scoped project `example.com:my-proj` as two segments, `example.com/my-proj`. */
function splitProject(segments: string[], host: string): { project: string; rest: string[] } {
  const [first = '', ...rest] = segments
  if (!first.includes('.')) {
    checkProjectId(first)
    return { project: first, rest }
  }
  const [second, ...more] = rest
  if (!DOMAIN.test(first))
    fail(`project domain "${first}" must be a domain name such as example.com`)
  if (second === undefined) {
    fail(`no project after domain "${first}" (expected ${host}/${first}/PROJECT/...)`)
  }
  checkProjectId(second)
  return { project: `${first}:${second}`, rest: more }
}

function checkProjectId(id: string): void {
  if (!PROJECT_ID.test(id)) fail(`project "${id}" must be a project ID: ${PROJECT_ID_RULE}`)
}
