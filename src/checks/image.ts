/**
 * Does the image exist? Resolved through the Artifact Registry API (same endpoint, override and
 * credentials as every other call); the digest found is the run's `image_digest`.
 */
import type { Finding } from '../findings.js'
import type { Gcp } from '../google/gcp.js'
import { toGoogleCallError } from '../google/errors.js'
import type { ImageReference } from '../image.js'

export interface ImageCheck {
  readonly digest: string | undefined
  readonly finding: Finding
}

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
  try {
    const digest = image.digest
      ? (await gcp.hasVersion(repository, image.imagePath, image.digest)) && image.digest
      : await gcp.resolveTag(repository, image.imagePath, tag ?? 'latest')
    return {
      digest: digest || undefined,
      finding: { ...base, status: 'ok', detail: `${image.raw} resolves to ${digest}.` }
    }
  } catch (thrown) {
    const error = toGoogleCallError(base.permission, thrown)
    if (error.httpStatus === 404) {
      return {
        digest: undefined,
        finding: {
          ...base,
          status: 'missing',
          detail: `${reference} of ${image.imagePath} does not exist in ${repository}: Cloud Run would fail with CONTAINER_MISSING. Push the image, or fix the reference.`
        }
      }
    }
    if (error.httpStatus === 403 || error.httpStatus === 401) {
      return {
        digest: undefined,
        finding: {
          ...base,
          status: 'unknown',
          detail: `Could not look up ${reference} of ${image.imagePath} (${error.message}); roles/artifactregistry.reader on ${repository} can.`
        }
      }
    }
    throw error
  }
}
