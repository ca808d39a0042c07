/**
 * Does the image exist? Resolved through the Artifact Registry API (same endpoint, override and
 * credentials as every other call); the digest found is the run's `image_digest`.
 */
import type { Finding } from '../findings.js'
import type { Gcp } from '../google/gcp.js'
import { toGoogleCallError, type GoogleCallError } from '../google/errors.js'
import type { ImageReference } from '../image.js'

export interface ImageCheck {
  readonly digest: string | undefined
  readonly finding: Finding
}

/** The lookup in one repository: the digest, or the failed call. */
type Lookup = { readonly digest: string | undefined } | { readonly error: GoogleCallError }

export async function checkImage(
  gcp: Gcp,
  image: ImageReference,
  repository: string
): Promise<ImageCheck> {
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
    finding: { ...base, status: 'ok', detail: `${image.raw} resolves to ${digest}${via}.` }
  })
  const denied = (repo: string, error: GoogleCallError): ImageCheck => ({
    digest: undefined,
    finding: {
      ...base,
      status: 'unknown',
      detail: `Could not look up ${reference} of ${image.imagePath} in ${repo} (${error.message}); roles/artifactregistry.reader on ${repo} can.`
    }
  })
  const isDenial = (error: GoogleCallError) => error.httpStatus === 403 || error.httpStatus === 401

  const direct = await lookup(repository)
  if ('digest' in direct) return found(direct.digest)
  if (isDenial(direct.error)) return denied(repository, direct.error)
  if (direct.error.httpStatus !== 404) throw direct.error

  // ASSUMPTION: a virtual repository stores no images, so its API may not know the tag; the registry
  // serves a pull from the upstreams in priority order, and so does this lookup.
  const upstreams = await virtualUpstreams(gcp, repository)
  let unreadable: { repo: string; error: GoogleCallError } | undefined
  for (const upstream of upstreams) {
    const result = await lookup(upstream)
    if ('digest' in result) return found(result.digest, ` (served by the upstream ${upstream})`)
    if (isDenial(result.error)) unreadable ??= { repo: upstream, error: result.error }
    else if (result.error.httpStatus !== 404) throw result.error
  }
  if (unreadable) return denied(unreadable.repo, unreadable.error)
  const where = upstreams.length
    ? `${repository} or its upstreams (${upstreams.join(', ')})`
    : repository
  return {
    digest: undefined,
    finding: {
      ...base,
      status: 'missing',
      detail: `${reference} of ${image.imagePath} does not exist in ${where}: Cloud Run would fail with CONTAINER_MISSING. Push the image, or fix the reference.`
    }
  }
}

/** A virtual repository's upstreams, highest priority first; none for any other (or unreadable) one. */
async function virtualUpstreams(gcp: Gcp, repository: string): Promise<string[]> {
  try {
    const repo = await gcp.repository(repository)
    if (repo.mode !== 'VIRTUAL_REPOSITORY') return []
    return [...(repo.virtualRepositoryConfig?.upstreamPolicies ?? [])]
      .sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0))
      .flatMap(u => (u.repository ? [u.repository] : []))
  } catch {
    // Whether the repository is virtual cannot be known; the direct lookup's 404 stands.
    return []
  }
}
