/**
 * Registry spellings beyond the seed: a domain-scoped project (`example.com:myproject-c`, written
 * `example.com/myproject-c` in image paths) and a gcr.io repository served by Artifact Registry
 * (REFERENCE.md, "Image references").
 */
import type { Scenario } from '../core.js'
import { binding, digest, policy, repositoryName, variant } from './helpers.js'
import { DEPLOYER, IMAGE_PROJECT, ORGANIZATION, REPOSITORY_PRINCIPALS, seed } from './seed.js'

export const DOMAIN_PROJECT = 'example.com:myproject-c'
export const DOMAIN_NUMBER = '333333333333'
export const DOMAIN_REPOSITORY = repositoryName(DOMAIN_PROJECT, 'us', 'images')
export const DOMAIN_IMAGE = 'us-docker.pkg.dev/example.com/myproject-c/images/tool:1.0'
export const GCR_REPOSITORY = repositoryName(IMAGE_PROJECT, 'us', 'gcr.io')
export const GCR_IMAGE = `gcr.io/${IMAGE_PROJECT}/legacy:latest`

const readers = () =>
  policy(binding('roles/artifactregistry.reader', DEPLOYER, REPOSITORY_PRINCIPALS))

export const registries: Scenario = variant(
  seed,
  'registries',
  'The seed plus a domain-scoped project with a repository in `us`, and a gcr.io repository in myproject-b.',
  s => ({
    ...s,
    projects: [
      ...s.projects,
      {
        projectId: DOMAIN_PROJECT,
        projectNumber: DOMAIN_NUMBER,
        parent: `organizations/${ORGANIZATION}`
      }
    ],
    repositories: [
      ...(s.repositories ?? []),
      {
        name: DOMAIN_REPOSITORY,
        policy: readers(),
        images: { tool: { '1.0': digest('tool:1.0') } }
      },
      {
        name: GCR_REPOSITORY,
        policy: readers(),
        images: { legacy: { latest: digest('legacy:latest') } }
      }
    ]
  })
)
