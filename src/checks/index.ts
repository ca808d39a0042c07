/**
 * All pre-deploy checks, run concurrently, each turned into Findings; then, only when asked, the grant.
 * Calls go through Gcp, which memoises them, so a check may ask for what another already fetched.
 */
import type { Config } from '../config.js'
import type { Finding } from '../findings.js'
import type { Gcp, RunResource } from '../google/gcp.js'
import { isDenied } from '../google/gcp.js'
import { toGoogleCallError } from '../google/errors.js'
import { grantRepositoryRole } from '../iam/grant.js'
import { PERMISSIONS } from '../iam/permissions.js'
import type { DeployPlan } from '../plan.js'
import { repositoryGrant } from '../report/fixes.js'
import type { ServiceAgentAccess } from '../report/report.js'
import { checkDeployer, REPOSITORY_PERMISSIONS } from './deployer.js'
import { checkImage } from './image.js'
import {
  checkPrincipalCanDownload,
  checkVirtualUpstreams,
  readRepository,
  READER_ROLE
} from './serviceAgent.js'

export interface GrantRecord {
  readonly repository: string
  readonly member: string
  readonly role: string
  readonly by: string
  readonly result: 'granted' | 'present' | 'would-grant'
  readonly attempts: number
}

export interface CheckOutcome {
  readonly findings: readonly Finding[]
  readonly serviceAgentAccess: ServiceAgentAccess
  readonly serviceAgentNote: string | undefined
  readonly imageDigest: string | undefined
  /** The live resource, or undefined when it does not exist (or could not be read). */
  readonly existing: RunResource | undefined
  readonly runtimeServiceAccount: string
  readonly grant: GrantRecord | undefined
}

/** Starts the calls that do not need the target project's number, while that number is fetched. */
export function prefetch(
  gcp: Gcp,
  config: Config,
  resourceName: string,
  repository: string | undefined
) {
  const started: Promise<unknown>[] = [gcp.runResource(config.target.kind, resourceName)]
  if (repository) {
    started.push(gcp.repository(repository), gcp.repositoryPolicy(repository))
    started.push(gcp.testRepositoryPermissions(repository, REPOSITORY_PERMISSIONS))
    started.push(gcp.resourcePolicy(`projects/${repository.split('/')[1]}`))
    started.push(gcp.ancestry(repository.split('/')[1] ?? ''))
  }
  for (const p of started) p.catch(() => undefined)
}

function templateServiceAccount(resource: RunResource | undefined): string | undefined {
  const template = resource?.template as
    { serviceAccount?: string | null; template?: { serviceAccount?: string | null } } | undefined
  return template?.serviceAccount ?? template?.template?.serviceAccount ?? undefined
}

export async function runChecks(
  gcp: Gcp,
  config: Config,
  plan: DeployPlan,
  principal: string | undefined
): Promise<CheckOutcome> {
  const existing = await readExisting(gcp, config, plan)
  const runtimeServiceAccount =
    config.runtimeServiceAccount ??
    templateServiceAccount(config.metadata?.resource as RunResource | undefined) ??
    templateServiceAccount(existing.resource) ??
    `${plan.target.projectNumber}-compute@developer.gserviceaccount.com`

  const [deployer, image, agent] = await Promise.all([
    checkDeployer({
      gcp,
      config,
      plan,
      principal,
      resourceExists: existing.exists,
      runtimeServiceAccount
    }),
    plan.repository ? checkImage(gcp, config.image, plan.repository) : undefined,
    checkServiceAgent(gcp, config, plan)
  ])

  const findings: Finding[] = [...agent.findings, ...deployer]
  if (image) findings.push(image.finding)
  if (config.image.kind === 'other') findings.push(unsupportedRegistry(config))

  // The deployer's setIamPolicy matters only when there is something to grant.
  // Only Cloud Run's agent on the image's repository is the action's to grant (not a virtual upstream).
  const agentFinding = agent.findings.find(f => f.check === 'service-agent')
  const needsGrant = agentFinding !== undefined && agentFinding.status !== 'ok'
  const relevant = findings.filter(
    f => needsGrant || f.permission !== PERMISSIONS.setRepositoryPolicy
  )

  let outcome: CheckOutcome = {
    findings: relevant,
    serviceAgentAccess: agent.access,
    serviceAgentNote: agent.note,
    imageDigest: image?.digest,
    existing: existing.resource,
    runtimeServiceAccount,
    grant: undefined
  }
  // Granting makes sense only when the deploy can follow; with other permissions missing, it waits.
  const blocked = relevant.some(
    f =>
      f.status === 'missing' &&
      f.check !== 'service-agent' &&
      f.permission !== PERMISSIONS.setRepositoryPolicy
  )
  if (config.serviceAgentAccess === 'grant' && needsGrant && plan.repository && !blocked) {
    outcome = await grant(gcp, config, plan, principal, outcome)
  }
  return outcome
}

/** The live resource; `exists` is undefined when the deployer may not read it (reported by checkDeployer). */
async function readExisting(gcp: Gcp, config: Config, plan: DeployPlan) {
  try {
    const resource = await gcp.runResource(config.target.kind, plan.resourceName)
    return { resource, exists: resource !== undefined }
  } catch (thrown) {
    if (!isDenied(thrown)) throw toGoogleCallError(`run.${config.target.kind}.get`, thrown)
    return { resource: undefined, exists: undefined }
  }
}

async function checkServiceAgent(
  gcp: Gcp,
  config: Config,
  plan: DeployPlan
): Promise<{ access: ServiceAgentAccess; note: string | undefined; findings: Finding[] }> {
  if (!plan.repository) return { access: 'not-needed', note: plan.notNeededBecause, findings: [] }
  if (config.serviceAgentAccess === 'skip') {
    return {
      access: 'skipped',
      note: "service_agent_access is skip: the service agent's access to the image was not checked",
      findings: []
    }
  }
  // A virtual repository reads its upstreams with Artifact Registry's own agent, even in the same
  // project; that agent is named by the repository project's number, fetched only for virtual ones.
  const repositoryProject = plan.crossProject ? plan.imageProject : plan.target.projectId
  const repositoryNumber = () =>
    repositoryProject === plan.target.projectId
      ? Promise.resolve(plan.target.projectNumber)
      : gcp.project(repositoryProject ?? '').then(
          p => p.projectNumber ?? undefined,
          () => undefined
        )
  const upstreams = readRepository(gcp, plan.repository).then(async ({ repository }) =>
    repository?.mode === 'VIRTUAL_REPOSITORY'
      ? checkVirtualUpstreams(gcp, repository, await repositoryNumber())
      : []
  )
  if (plan.notNeededBecause !== undefined) {
    const findings = await upstreams
    const access = accessOf(findings)
    // An upstream that Artifact Registry's agent may not read blocks the pull all the same: say so,
    // rather than only that Cloud Run's own agent needs nothing.
    const note = access
      ? `${worst(findings)?.detail} (Cloud Run's service agent itself needs no grant: ${plan.notNeededBecause}.)`
      : plan.notNeededBecause
    return { access: access ?? 'not-needed', note, findings }
  }
  const member = `serviceAccount:${plan.serviceAgent}`
  const [finding, upstreamFindings] = await Promise.all([
    checkPrincipalCanDownload(gcp, member, plan.repository, 'service-agent'),
    upstreams
  ])
  const findings = [finding, ...upstreamFindings]
  return {
    access: accessOf(findings) ?? 'ok',
    note: (worst(findings) ?? finding).detail,
    findings
  }
}

/** The first missing finding, else the first unknown one; undefined when all are ok. */
function worst(findings: readonly Finding[]): Finding | undefined {
  return findings.find(f => f.status === 'missing') ?? findings.find(f => f.status === 'unknown')
}

/** The worst status among findings, as the service_agent_access output; undefined when all are ok. */
function accessOf(findings: readonly Finding[]): ServiceAgentAccess | undefined {
  const statuses = new Set(findings.map(f => f.status))
  return statuses.has('missing') ? 'missing' : statuses.has('unknown') ? 'unknown' : undefined
}

async function grant(
  gcp: Gcp,
  config: Config,
  plan: DeployPlan,
  principal: string | undefined,
  outcome: CheckOutcome
): Promise<CheckOutcome> {
  const repository = plan.repository as string
  const member = `serviceAccount:${plan.serviceAgent}`
  const by = principal ?? 'the deployer'
  const record = { repository, member, role: READER_ROLE, by }
  const isAgentFinding = (f: Finding) => f.check === 'service-agent'
  const adminFix = repositoryGrant(repository, member, READER_ROLE)
  const refused = (why: string, permission: string = PERMISSIONS.setRepositoryPolicy) => {
    const denied: Finding = {
      check: 'grant',
      kind: 'permission',
      principal: by,
      permission,
      resource: repository,
      status: 'missing',
      source: 'check',
      detail:
        `${why} An administrator of ${repository} can run the fix instead, or give ${by} ` +
        'roles/artifactregistry.admin on the repository so that service_agent_access: grant can.',
      fix: adminFix
    }
    return {
      ...outcome,
      findings: [
        ...outcome.findings.filter(f => f.permission !== PERMISSIONS.setRepositoryPolicy),
        denied
      ]
      // serviceAgentAccess stays as the check found it: a refused grant says nothing new about it.
    }
  }
  // testIamPermissions already said no: do not send a write that can only be refused.
  const mayGrant = outcome.findings.find(
    f => f.check === 'deployer' && f.permission === PERMISSIONS.setRepositoryPolicy
  )
  if (mayGrant?.status === 'missing') {
    return refused(
      `${by} may not set the IAM policy of ${repository} (testIamPermissions), so the grant was not attempted.`
    )
  }
  if (config.dryRun) {
    const note = `dry run: would grant ${READER_ROLE} on ${repository} to ${member}; nothing written`
    return {
      ...outcome,
      // The agent still lacks access (the outputs say so), but the deploy would grant it first.
      findings: outcome.findings.map(f =>
        isAgentFinding(f)
          ? {
              ...f,
              detail: `${f.detail} service_agent_access: grant would add ${READER_ROLE} for it (dry run: nothing written).`
            }
          : f
      ),
      serviceAgentNote: note,
      grant: { ...record, result: 'would-grant', attempts: 0 }
    }
  }
  try {
    const result = await grantRepositoryRole(gcp, repository, member, READER_ROLE)
    const detail =
      result.result === 'granted'
        ? `Granted ${READER_ROLE} on ${repository} to ${member}, as ${by}.`
        : `${member} already holds ${READER_ROLE} on ${repository}; nothing written.`
    return {
      ...outcome,
      findings: outcome.findings.map(f =>
        isAgentFinding(f) ? { ...f, status: 'ok' as const, detail } : f
      ),
      // `granted` only when this run wrote the binding; one found already there is plainly `ok`.
      serviceAgentAccess: result.result === 'granted' ? 'granted' : 'ok',
      serviceAgentNote: detail,
      grant: { ...record, result: result.result, attempts: result.attempts }
    }
  } catch (thrown) {
    const error = toGoogleCallError('artifactregistry.repositories.setIamPolicy', thrown)
    if (!isDenied(thrown)) throw error
    return refused(
      `The grant was refused (${error.message}).`,
      error.deniedPermission ?? PERMISSIONS.setRepositoryPolicy
    )
  }
}

function unsupportedRegistry(config: Config): Finding {
  return {
    check: 'image',
    kind: 'image',
    principal: 'Cloud Run',
    permission: 'pull',
    resource: config.image.host,
    status: 'missing',
    source: 'check',
    detail: `Cloud Run pulls only from Artifact Registry, gcr.io and Docker Hub; ${config.image.host} needs an Artifact Registry remote repository in front of it.`
  }
}
