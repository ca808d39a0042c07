/**
 * Does the image exist? Resolved through the Artifact Registry API (same endpoint, override and
 * credentials as every other call); the digest found is the run's `image_digest`.
 */
import type { Finding } from '../findings.js'
import type { Gcp } from '../google/gcp.js'
import { toGoogleCallError, type GoogleCallError } from '../google/errors.js'
import type { ImagePlan } from '../plan.js'

export interface ImageCheck {
  readonly digest: string | undefined
  readonly finding: Finding
}

/** The lookup in one repository: the digest, or the failed call. */
type Lookup = { readonly digest: string | undefined } | { readonly error: GoogleCallError }

export async function checkImage(
  gcp: Gcp,
  plan: ImagePlan,
  repository: string
): Promise<ImageCheck> {
  const image = plan.image
  const of = plan.main ? '' : ` (container ${plan.container ?? 'unnamed'})`
  const tag = image.tag ?? (image.digest ? undefined : 'latest')
  const reference = image.digest ?? `tag ${tag}`
  const base = {
    check: 'image',
    kind: 'image' as const,
    principal: 'the deployer',
    permission: image.digest ? 'artifactregistry.versions.get' : 'artifactregistry.tags.get',
    resource: `${repository}/packages/${image.imagePath}`,
    source: 'check' as const
  }
  const lookup = async (repo: string): Promise<Lookup> => {
    try {
      const digest = image.digest
        ? (await gcp.hasVersion(repo, image.imagePath, image.digest)) && image.digest
        : await gcp.resolveTag(repo, image.imagePath, tag ?? 'latest')
      return { digest: digest || undefined }
    } catch (thrown) {
      return { error: toGoogleCallError(base.permission, thrown) }
    }
  }
  const found = (digest: string | undefined, via = ''): ImageCheck => ({
    digest,
    finding: { ...base, status: 'ok', detail: `${image.raw}${of} resolves to ${digest}${via}.` }
  })
  const denied = (repo: string, error: GoogleCallError): ImageCheck => ({
    digest: undefined,
    finding: {
      ...base,
      status: 'unknown',
      detail: `Could not look up ${reference} of ${image.imagePath}${of} in ${repo} (${error.message}); roles/artifactregistry.reader on ${repo} can.`
    }
  })
  const isDenial = (error: GoogleCallError) => error.httpStatus === 403 || error.httpStatus === 401

  // A remote repository fetches from its upstream at pull time: the API answers 404 for a tag it has not
  // cached yet (REFERENCE.md), so a 404 there says nothing about the pull.
  const remote = (repo: string): ImageCheck => ({
    digest: undefined,
    finding: {
      ...base,
      status: 'unknown',
      detail:
        `${reference} of ${image.imagePath}${of} is not cached in the remote repository ${repo}, which ` +
        'fetches it from its upstream when Cloud Run pulls it: whether it exists there is known only then.'
    }
  })
  const direct = await lookup(repository)
  if ('digest' in direct) return found(direct.digest)
  if (isDenial(direct.error)) return denied(repository, direct.error)
  if (direct.error.httpStatus !== 404) throw direct.error

  const mode = await repositoryMode(gcp, repository)
  if (mode.mode === 'REMOTE_REPOSITORY') return remote(repository)
  // ASSUMPTION: a virtual repository stores no images, so its API may not know the tag; the registry
  // serves a pull from the upstreams in priority order, and so does this lookup.
  const upstreams = mode.upstreams
  let unreadable: { repo: string; error: GoogleCallError } | undefined
  let remoteUpstream: string | undefined
  for (const upstream of upstreams) {
    const result = await lookup(upstream)
    if ('digest' in result) return found(result.digest, ` (served by the upstream ${upstream})`)
    if (isDenial(result.error)) unreadable ??= { repo: upstream, error: result.error }
    else if (result.error.httpStatus !== 404) throw result.error
    else if ((await repositoryMode(gcp, upstream)).mode === 'REMOTE_REPOSITORY') {
      remoteUpstream ??= upstream
    }
  }
  if (remoteUpstream) return remote(remoteUpstream)
  if (unreadable) return denied(unreadable.repo, unreadable.error)
  const where = upstreams.length
    ? `${repository} or its upstreams (${upstreams.join(', ')})`
    : repository
  return {
    digest: undefined,
    finding: {
      ...base,
      status: 'missing',
      detail: `${reference} of ${image.imagePath}${of} does not exist in ${where}: Cloud Run would fail with CONTAINER_MISSING. Push the image, or fix the reference.`
    }
  }
}

/** A repository's mode and, for a virtual one, its upstreams, highest priority first. */
async function repositoryMode(
  gcp: Gcp,
  repository: string
): Promise<{ mode: string | undefined; upstreams: string[] }> {
  try {
    const repo = await gcp.repository(repository)
    const upstreams =
      repo.mode === 'VIRTUAL_REPOSITORY'
        ? [...(repo.virtualRepositoryConfig?.upstreamPolicies ?? [])]
            .sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0))
            .flatMap(u => (u.repository ? [u.repository] : []))
        : []
    return { mode: repo.mode ?? undefined, upstreams }
  } catch {
    // What kind of repository it is cannot be known; the direct lookup's 404 stands.
    return { mode: undefined, upstreams: [] }
  }
}
