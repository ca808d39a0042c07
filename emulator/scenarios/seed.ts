/**
 * The article's situation (REFERENCE.md, "The problem"): a deployer in myproject-a deploys an image
 * from myproject-b's Artifact Registry; Cloud Run's service agent of myproject-a holds
 * roles/run.serviceAgent on its own project only, so it cannot read myrepo. And its variants.
 */
import type { Scenario } from '../core.js'
import {
  artifactRegistryServiceAgent,
  binding,
  computeServiceAccount,
  digest,
  policy,
  repositoryName,
  repositoryPrincipalSet,
  runServiceAgent,
  serviceAccount,
  user,
  variant,
  withBinding,
  workloadIdentityPool
} from './helpers.js'

export const ORGANIZATION = '123456789012'
export const TARGET_PROJECT = 'myproject-a'
export const TARGET_NUMBER = '111111111111'
export const IMAGE_PROJECT = 'myproject-b'
export const IMAGE_NUMBER = '222222222222'
export const REGION = 'asia-northeast1'
export const REPOSITORY = repositoryName(IMAGE_PROJECT, REGION, 'myrepo')
/** A repository in the target project itself: no cross-project pull. */
export const SAME_PROJECT_REPOSITORY = repositoryName(TARGET_PROJECT, REGION, 'app')
export const IMAGE = `${REGION}-docker.pkg.dev/${IMAGE_PROJECT}/myrepo/myjob`
export const IMAGE_DIGESTS = { latest: digest('myjob:latest'), v1: digest('myjob:v1') }

export const ADMIN = user('admin@example.com')
export const DEPLOYER_EMAIL = `deployer@${TARGET_PROJECT}.iam.gserviceaccount.com`
export const RUNTIME_EMAIL = `runtime@${TARGET_PROJECT}.iam.gserviceaccount.com`
export const COMPUTE_EMAIL = computeServiceAccount(TARGET_NUMBER)
export const DEPLOYER = serviceAccount(DEPLOYER_EMAIL)
export const SERVICE_AGENT_EMAIL = runServiceAgent(TARGET_NUMBER)
export const SERVICE_AGENT = serviceAccount(SERVICE_AGENT_EMAIL)
export const AR_SERVICE_AGENT = serviceAccount(artifactRegistryServiceAgent(TARGET_NUMBER))

export const POOL = workloadIdentityPool(TARGET_NUMBER, 'github')
export const PROVIDER = `${POOL}/providers/github`
export const GITHUB_REPOSITORY = 'octo-org/octo-repo'
/** The federated principals of the workflow's repository. */
export const REPOSITORY_PRINCIPALS = repositoryPrincipalSet(POOL, GITHUB_REPOSITORY)

export const seed: Scenario = {
  name: 'seed',
  description:
    'Image in myproject-b, deploy to myproject-a: the service agent cannot read myrepo (the article).',
  organizations: [{ id: ORGANIZATION, policy: policy(binding('roles/owner', ADMIN)) }],
  projects: [
    {
      projectId: TARGET_PROJECT,
      projectNumber: TARGET_NUMBER,
      parent: `organizations/${ORGANIZATION}`,
      policy: policy(
        binding('roles/run.developer', DEPLOYER, REPOSITORY_PRINCIPALS),
        // What Google grants each project's Cloud Run service agent, on its own project only.
        binding('roles/run.serviceAgent', SERVICE_AGENT)
      )
    },
    {
      projectId: IMAGE_PROJECT,
      projectNumber: IMAGE_NUMBER,
      parent: `organizations/${ORGANIZATION}`,
      policy: policy(
        binding('roles/run.serviceAgent', serviceAccount(runServiceAgent(IMAGE_NUMBER)))
      )
    }
  ],
  serviceAccounts: [
    {
      email: DEPLOYER_EMAIL,
      policy: policy(binding('roles/iam.workloadIdentityUser', REPOSITORY_PRINCIPALS))
    },
    {
      email: COMPUTE_EMAIL,
      policy: policy(binding('roles/iam.serviceAccountUser', DEPLOYER, REPOSITORY_PRINCIPALS))
    },
    {
      email: RUNTIME_EMAIL,
      policy: policy(binding('roles/iam.serviceAccountUser', DEPLOYER, REPOSITORY_PRINCIPALS))
    }
  ],
  repositories: [
    {
      name: REPOSITORY,
      policy: policy(binding('roles/artifactregistry.reader', DEPLOYER, REPOSITORY_PRINCIPALS)),
      images: {
        myjob: IMAGE_DIGESTS,
        // A nested image path: its package ID holds a `/` (REFERENCE.md, the %2F / %252F trap).
        'team/api': { latest: digest('team/api:latest'), v2: digest('team/api:v2') }
      }
    },
    {
      name: SAME_PROJECT_REPOSITORY,
      policy: policy(binding('roles/artifactregistry.reader', DEPLOYER, REPOSITORY_PRINCIPALS)),
      images: { api: { latest: digest('api:latest'), v1: digest('api:v1') } }
    }
  ],
  workloadIdentityProviders: [PROVIDER],
  github: { repository: GITHUB_REPOSITORY, ref: 'refs/heads/main', actor: 'octocat' }
}

export const seedGranted = variant(
  seed,
  'seed-granted',
  'The seed after the fix: the service agent holds roles/artifactregistry.reader on myrepo.',
  s => withBinding(s, REPOSITORY, 'roles/artifactregistry.reader', SERVICE_AGENT)
)

export const SAME_PROJECT_IMAGE = `${REGION}-docker.pkg.dev/${TARGET_PROJECT}/myrepo/myjob`

export const sameProject = variant(
  seed,
  'same-project',
  "Image in myproject-a's own repository: the service agent reads it through roles/run.serviceAgent.",
  s => ({
    ...s,
    repositories: [
      ...(s.repositories ?? []),
      {
        name: repositoryName(TARGET_PROJECT, REGION, 'myrepo'),
        policy: policy(binding('roles/artifactregistry.reader', DEPLOYER, REPOSITORY_PRINCIPALS)),
        images: { myjob: IMAGE_DIGESTS }
      }
    ]
  })
)

export const admin = variant(
  seed,
  'admin',
  'The seed, with the deployer also roles/artifactregistry.admin on myrepo (it can grant the fix).',
  s => withBinding(s, REPOSITORY, 'roles/artifactregistry.admin', DEPLOYER)
)

export const VIRTUAL_REPOSITORY = repositoryName(TARGET_PROJECT, REGION, 'virtual')
export const VIRTUAL_IMAGE = `${REGION}-docker.pkg.dev/${TARGET_PROJECT}/virtual/myjob`

export const virtualUpstream = variant(
  seed,
  'virtual-upstream',
  "A virtual repository in myproject-a over myrepo; Artifact Registry's service agent cannot read myrepo.",
  s => ({
    ...s,
    repositories: [
      ...(s.repositories ?? []),
      {
        name: VIRTUAL_REPOSITORY,
        mode: 'VIRTUAL_REPOSITORY',
        upstreams: [REPOSITORY],
        policy: policy(binding('roles/artifactregistry.reader', DEPLOYER, REPOSITORY_PRINCIPALS))
      }
    ]
  })
)

export const virtualUpstreamGranted = variant(
  virtualUpstream,
  'virtual-upstream-granted',
  "The virtual repository scenario with Artifact Registry's service agent reader on myrepo.",
  s => withBinding(s, REPOSITORY, 'roles/artifactregistry.reader', AR_SERVICE_AGENT)
)

/**
 * The seed with a deployer that can see and fix the problem: it reads the policies that decide the
 * service agent's access (viewer on myproject-b, security reviewer on the organisation) and may set
 * myrepo's policy. `check` then verifies `missing`, and `grant` can write the one binding.
 */
export const visible = variant(
  seed,
  'visible',
  'The seed, with a deployer that can read every policy above myrepo (so the check is definite).',
  s => withBinding(s, `projects/${IMAGE_PROJECT}`, 'roles/viewer', DEPLOYER),
  s => withBinding(s, `organizations/${ORGANIZATION}`, 'roles/iam.securityReviewer', DEPLOYER)
)

export const demo = variant(
  visible,
  'demo',
  'The main job (npm run demo): the seed, with a deployer that can verify the problem and grant the fix.',
  s => withBinding(s, REPOSITORY, 'roles/artifactregistry.admin', DEPLOYER)
)
