/**
 * Remote repositories: an Artifact Registry repository that fetches from an upstream registry (here Docker
 * Hub) at pull time and caches what it fetched. The Artifact Registry API knows only the cache, so a tag
 * the upstream holds is a 404 there until the first pull (REFERENCE.md, "Remote repositories"); the pull
 * itself still needs downloadArtifacts on the remote repository, like any other.
 */
import type { Scenario } from '../core.js'
import { binding, digest, policy, repositoryName, variant, withBinding } from './helpers.js'
import {
  AR_SERVICE_AGENT,
  DEPLOYER,
  IMAGE_PROJECT,
  REGION,
  REPOSITORY_PRINCIPALS,
  SERVICE_AGENT,
  TARGET_PROJECT,
  seed
} from './seed.js'

export const REMOTE_REPOSITORY = repositoryName(IMAGE_PROJECT, REGION, 'dockerhub')
/** The image's path inside the remote repository: Docker Hub's official images live under `library/`. */
export const REMOTE_PACKAGE = 'library/nginx'
/** What Docker Hub holds. */
export const UPSTREAM_DIGESTS = {
  latest: digest('nginx:latest'),
  '1.27': digest('nginx:1.27'),
  '1.26': digest('nginx:1.26')
}
/** What the remote repository has cached: an older pull of 1.26 only. */
export const CACHED_DIGESTS = { '1.26': UPSTREAM_DIGESTS['1.26'] }
/** Not cached yet: the API answers 404 for its tag, and the first pull fetches it. */
export const REMOTE_IMAGE = `${REGION}-docker.pkg.dev/${IMAGE_PROJECT}/dockerhub/${REMOTE_PACKAGE}:1.27`
export const CACHED_REMOTE_IMAGE = `${REGION}-docker.pkg.dev/${IMAGE_PROJECT}/dockerhub/${REMOTE_PACKAGE}:1.26`

/** A virtual repository in the target project whose only upstream is the remote repository. */
export const REMOTE_VIRTUAL_REPOSITORY = repositoryName(TARGET_PROJECT, REGION, 'mirror')
export const REMOTE_VIRTUAL_IMAGE = `${REGION}-docker.pkg.dev/${TARGET_PROJECT}/mirror/${REMOTE_PACKAGE}:1.27`

const readers = () =>
  policy(binding('roles/artifactregistry.reader', DEPLOYER, REPOSITORY_PRINCIPALS))

export const remote: Scenario = variant(
  seed,
  'remote',
  'The seed plus a Docker Hub remote repository in myproject-b that has not cached nginx:1.27; the service agent cannot read it.',
  s => ({
    ...s,
    repositories: [
      ...(s.repositories ?? []),
      {
        name: REMOTE_REPOSITORY,
        mode: 'REMOTE_REPOSITORY',
        remoteRepositoryConfig: {
          description: 'Docker Hub',
          dockerRepository: { publicRepository: 'DOCKER_HUB' }
        },
        policy: readers(),
        images: { [REMOTE_PACKAGE]: CACHED_DIGESTS },
        upstreamImages: { [REMOTE_PACKAGE]: UPSTREAM_DIGESTS }
      }
    ]
  })
)

export const remoteGranted = variant(
  remote,
  'remote-granted',
  'The remote scenario with the service agent reader on the remote repository: its pull fetches and caches the image.',
  s => withBinding(s, REMOTE_REPOSITORY, 'roles/artifactregistry.reader', SERVICE_AGENT)
)

export const remoteVirtual = variant(
  remote,
  'remote-virtual',
  "A virtual repository in myproject-a over the remote repository; Artifact Registry's service agent cannot read the remote one.",
  s => ({
    ...s,
    repositories: [
      ...(s.repositories ?? []),
      {
        name: REMOTE_VIRTUAL_REPOSITORY,
        mode: 'VIRTUAL_REPOSITORY',
        upstreams: [REMOTE_REPOSITORY],
        policy: readers()
      }
    ]
  })
)

export const remoteVirtualGranted = variant(
  remoteVirtual,
  'remote-virtual-granted',
  "The remote-virtual scenario with Artifact Registry's service agent reader on the remote repository.",
  s => withBinding(s, REMOTE_REPOSITORY, 'roles/artifactregistry.reader', AR_SERVICE_AGENT)
)
