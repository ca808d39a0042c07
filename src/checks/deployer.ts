/**
 * What the deployer (the authenticated principal) may do, asked of each resource with
 * testIamPermissions: deploy on the project or the live resource, actAs on the runtime service account,
 * and read the image (Cloud Run checks the deployer's own access to the image since 2025-01-15).
 */
import type { Config } from '../config.js'
import type { Finding } from '../findings.js'
import type { Gcp } from '../google/gcp.js'
import { toGoogleCallError } from '../google/errors.js'
import { PERMISSIONS, RUN_PERMISSIONS } from '../iam/permissions.js'
import type { DeployPlan } from '../plan.js'
import type { RegionCheck } from './index.js'
import { projectGrant, repositoryGrant, serviceAccountGrant } from '../report/fixes.js'

export interface DeployerContext {
  readonly gcp: Gcp
  readonly config: Config
  readonly plan: DeployPlan
  /** The IAM member to name in fixes; undefined when the credentials do not say. */
  readonly principal: string | undefined
  /** Each region's resource: whether it exists, and the account it will run as. */
  readonly regions: readonly RegionCheck[]
}

const DEPLOYER_FALLBACK = 'PRINCIPAL'

export async function checkDeployer(ctx: DeployerContext): Promise<Finding[]> {
  // Cloud Run checks the deployer's read of every container's image, once per repository.
  const repositories = [
    ...new Set(ctx.plan.images.flatMap(image => (image.repository ? [image.repository] : [])))
  ]
  const accounts = [...new Set(ctx.regions.map(r => r.runtimeServiceAccount))]
  const results = await Promise.all([
    checkRunPermissions(ctx),
    ...accounts.map(account => checkActAs(ctx, account)),
    ...repositories.map((repository, i) => checkImageRead(ctx, repository, i === 0))
  ])
  return results.flat()
}

function finding(
  ctx: DeployerContext,
  permission: string,
  resource: string,
  held: boolean | undefined,
  fix: Finding['fix'],
  detail: string
): Finding {
  return {
    check: 'deployer',
    kind: 'permission',
    principal: ctx.principal ?? 'the deployer',
    permission,
    resource,
    status: held === undefined ? 'unknown' : held ? 'ok' : 'missing',
    source: 'check',
    detail,
    fix
  }
}

async function tested(
  call: string,
  test: () => Promise<Set<string>>
): Promise<{ held?: Set<string>; error?: string }> {
  try {
    return { held: await test() }
  } catch (thrown) {
    return { error: `${call} failed: ${toGoogleCallError(call, thrown).message}` }
  }
}

async function checkRunPermissions(ctx: DeployerContext): Promise<Finding[]> {
  const { config, plan } = ctx
  const perms = RUN_PERMISSIONS[config.target.kind]
  const existing = ctx.regions.filter(r => r.exists === true)
  const anyMissing = ctx.regions.some(r => r.exists === false)
  const anyUnreadable = ctx.regions.some(r => r.exists === undefined)
  const needed = new Set<string>([perms.get])
  if (existing.length || anyUnreadable) needed.add(perms.update)
  if (anyMissing || anyUnreadable) needed.add(perms.create)
  if (config.target.kind === 'job' && config.execute) needed.add(RUN_PERMISSIONS.job.run)
  // What the flags add, e.g. run.services.setIamPolicy for --allow-unauthenticated.
  for (const permission of config.flags?.permissions ?? []) needed.add(permission)
  const project = plan.target.projectId
  const onProject = await tested('cloudresourcemanager.projects.testIamPermissions', () =>
    ctx.gcp.testProjectPermissions(project, [...needed])
  )
  // For a live resource, what the project does not grant may be granted on the resource itself: then it
  // must be granted on every region's resource that needs it.
  const notOnProject = [...needed].filter(p => onProject.held && !onProject.held.has(p))
  const onResources =
    existing.length && notOnProject.length
      ? await Promise.all(
          existing.map(r =>
            tested(`run.${config.target.kind}.testIamPermissions`, () =>
              ctx.gcp.testRunResourcePermissions(config.target.kind, r.resourceName, notOnProject)
            )
          )
        )
      : []
  const member = ctx.principal ?? DEPLOYER_FALLBACK
  const resources = existing.map(r => r.resourceName).join(', ')
  return [...needed].map(permission => {
    // create is asked of the project: a resource that does not exist yet has no policy of its own.
    const onEveryResource =
      permission !== perms.create &&
      onResources.length > 0 &&
      onResources.every(r => r.held?.has(permission))
    const held = Boolean(onProject.held?.has(permission) || onEveryResource)
    const where =
      !onProject.held?.has(permission) && onEveryResource ? resources : `projects/${project}`
    return finding(
      ctx,
      permission,
      where,
      onProject.held ? held : undefined,
      projectGrant(project, member, roleFor(permission)),
      onProject.error ??
        (held
          ? `Held on ${where}.`
          : `Not held on projects/${project}${existing.length ? ` nor on ${resources}` : ''}; ${roleFor(permission)} grants it.`)
    )
  })
}

/** The least role that grants a run.* permission this action asks for. */
function roleFor(permission: string): string {
  return /\.(setIamPolicy|getIamPolicy)$/.test(permission)
    ? 'roles/run.admin'
    : 'roles/run.developer'
}

async function checkActAs(ctx: DeployerContext, email: string): Promise<Finding[]> {
  const result = await tested('iam.serviceAccounts.testIamPermissions', () =>
    ctx.gcp.testServiceAccountPermissions(email, [PERMISSIONS.actAs])
  )
  const saProject =
    /@([^.]+)\.iam\.gserviceaccount\.com$/.exec(email)?.[1] ?? ctx.plan.target.projectId
  return [
    finding(
      ctx,
      PERMISSIONS.actAs,
      `projects/${saProject}/serviceAccounts/${email}`,
      result.held?.has(PERMISSIONS.actAs),
      serviceAccountGrant(
        email,
        saProject,
        ctx.principal ?? DEPLOYER_FALLBACK,
        'roles/iam.serviceAccountUser'
      ),
      result.error ??
        (result.held?.has(PERMISSIONS.actAs)
          ? `Can attach ${email} as the runtime service account.`
          : `Cannot attach ${email} as the runtime service account; roles/iam.serviceAccountUser on it grants iam.serviceAccounts.actAs.`)
    )
  ]
}

async function checkImageRead(
  ctx: DeployerContext,
  repository: string,
  main: boolean
): Promise<Finding[]> {
  const result = await tested('artifactregistry.repositories.testIamPermissions', () =>
    ctx.gcp.testRepositoryPermissions(repository, REPOSITORY_PERMISSIONS)
  )
  const findings = [
    finding(
      ctx,
      PERMISSIONS.downloadArtifacts,
      repository,
      result.held?.has(PERMISSIONS.downloadArtifacts),
      repositoryGrant(
        repository,
        ctx.principal ?? DEPLOYER_FALLBACK,
        'roles/artifactregistry.reader'
      ),
      result.error ??
        (result.held?.has(PERMISSIONS.downloadArtifacts)
          ? 'The deployer can read the image, as Cloud Run requires.'
          : 'Cloud Run refuses a deploy whose deployer cannot read the image.')
    )
  ]
  if (main && ctx.config.serviceAgentAccess === 'grant' && ctx.plan.images[0]?.crossProject) {
    findings.push(
      finding(
        ctx,
        PERMISSIONS.setRepositoryPolicy,
        repository,
        result.held?.has(PERMISSIONS.setRepositoryPolicy),
        repositoryGrant(
          repository,
          ctx.principal ?? DEPLOYER_FALLBACK,
          'roles/artifactregistry.admin'
        ),
        result.error ??
          (result.held?.has(PERMISSIONS.setRepositoryPolicy)
            ? 'The deployer may grant the service agent access (service_agent_access: grant).'
            : "service_agent_access: grant needs it to add the service agent's binding.")
      )
    )
  }
  return findings
}

/** One testIamPermissions call answers every repository question the run has. */
export const REPOSITORY_PERMISSIONS = [
  PERMISSIONS.downloadArtifacts,
  PERMISSIONS.getRepositoryPolicy,
  PERMISSIONS.setRepositoryPolicy
] as const
