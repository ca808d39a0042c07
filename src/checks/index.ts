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
import type { DeployPlan, ImagePlan } from '../plan.js'
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
  /** The repository policy's etag before and after the write (granted only). */
  readonly etags?: { readonly before: string; readonly after: string }
}

export interface CheckOutcome {
  readonly findings: readonly Finding[]
  readonly serviceAgentAccess: ServiceAgentAccess
  readonly serviceAgentNote: string | undefined
  /** The main image's digest, resolved through Artifact Registry. */
  readonly imageDigest: string | undefined
  readonly grant: GrantRecord | undefined
  /** Why the grant failed, when it failed for another reason than a denial (an outage, a policy limit). */
  readonly grantFailure?: string
}

/** A region's resource as the checks see it: read before any check, with what the deploy will send. */
export interface RegionCheck {
  readonly region: string
  readonly resourceName: string
  /** undefined when the deployer may not read it (reported by checkDeployer). */
  readonly exists: boolean | undefined
  /** The identity the deployed resource runs as, from the inputs, the file or the live resource. */
  readonly runtimeServiceAccount: string
}

/** Starts the calls that do not need the target project's number, while that number is fetched. */
export function prefetch(
  gcp: Gcp,
  config: Config,
  resourceNames: readonly string[],
  repository: string | undefined
) {
  const started: Promise<unknown>[] = resourceNames.map(name =>
    gcp.runResource(config.target.kind, name)
  )
  if (repository) {
    started.push(gcp.repository(repository), gcp.repositoryPolicy(repository))
    started.push(gcp.testRepositoryPermissions(repository, REPOSITORY_PERMISSIONS))
    started.push(gcp.resourcePolicy(`projects/${repository.split('/')[1]}`))
    started.push(gcp.ancestry(repository.split('/')[1] ?? ''))
  }
  for (const p of started) p.catch(() => undefined)
}

/** The live resource of one region; `exists` is undefined when the deployer may not read it. */
export async function readExisting(
  gcp: Gcp,
  config: Config,
  resourceName: string
): Promise<{ resource: RunResource | undefined; exists: boolean | undefined }> {
  try {
    const resource = await gcp.runResource(config.target.kind, resourceName)
    return { resource, exists: resource !== undefined }
  } catch (thrown) {
    if (!isDenied(thrown)) throw toGoogleCallError(`run.${config.target.kind}.get`, thrown)
    return { resource: undefined, exists: undefined }
  }
}

/**
 * `beforeGrant` sees the checks' outcome before the grant's write is sent: a run cancelled during the
 * write then still has the findings to report beside it (src/main.ts, onCancel).
 */
export async function runChecks(
  gcp: Gcp,
  config: Config,
  plan: DeployPlan,
  regions: readonly RegionCheck[],
  principal: string | undefined,
  beforeGrant?: (outcome: CheckOutcome) => void
): Promise<CheckOutcome> {
  const main = plan.images[0] as ImagePlan
  const [deployer, images, agents] = await Promise.all([
    checkDeployer({ gcp, config, plan, principal, regions }),
    Promise.all(
      plan.images.map(image =>
        image.repository ? checkImage(gcp, image, image.repository) : undefined
      )
    ),
    Promise.all(plan.images.map(image => checkServiceAgent(gcp, config, plan, image)))
  ])

  const findings: Finding[] = [...agents.flatMap(a => a.findings), ...deployer]
  for (const image of images) if (image) findings.push(image.finding)
  if (config.image.kind === 'other') findings.push(unsupportedRegistry(config))

  // The deployer's setIamPolicy matters only when there is something to grant.
  // Only Cloud Run's agent on the main image's repository is the action's to grant.
  const mainAgent = agents[0]?.findings.find(f => f.check === 'service-agent')
  const needsGrant = mainAgent !== undefined && mainAgent.status !== 'ok'
  const relevant = findings.filter(
    f => needsGrant || f.permission !== PERMISSIONS.setRepositoryPolicy
  )
  const access = worstAccess(agents.map(a => a.access))
  let outcome: CheckOutcome = {
    findings: relevant,
    serviceAgentAccess: access,
    serviceAgentNote: (agents.find(a => a.access === access) ?? agents[0])?.note,
    imageDigest: images[0]?.digest,
    grant: undefined
  }
  // Granting makes sense only when the deploy can follow; with other permissions missing, it waits.
  const blocked = relevant.some(
    f =>
      f.status === 'missing' && f !== mainAgent && f.permission !== PERMISSIONS.setRepositoryPolicy
  )
  if (config.serviceAgentAccess === 'grant' && needsGrant && main.repository && !blocked) {
    beforeGrant?.(outcome)
    outcome = await grant(gcp, config, plan, main.repository, principal, outcome)
  }
  return outcome
}

const ACCESS_ORDER: readonly ServiceAgentAccess[] = [
  'missing',
  'unknown',
  'granted',
  'ok',
  'skipped',
  'not-needed'
]

/** The service_agent_access output over every image: the worst answer wins. */
function worstAccess(answers: readonly ServiceAgentAccess[]): ServiceAgentAccess {
  return ACCESS_ORDER.find(a => answers.includes(a)) ?? 'not-needed'
}

/** "the image X" for the main container; "the image X of container Y" for the others. */
export function imageLabel(image: ImagePlan): string {
  return image.main
    ? `the image ${image.image.raw}`
    : `the image ${image.image.raw} of container ${image.container ?? '(unnamed)'}`
}

async function checkServiceAgent(
  gcp: Gcp,
  config: Config,
  plan: DeployPlan,
  image: ImagePlan
): Promise<{ access: ServiceAgentAccess; note: string | undefined; findings: Finding[] }> {
  const named = (findings: Finding[]) =>
    image.main
      ? findings
      : findings.map(f => ({ ...f, detail: `${f.detail} (${imageLabel(image)})` }))
  if (!image.repository) return { access: 'not-needed', note: image.notNeededBecause, findings: [] }
  if (config.serviceAgentAccess === 'skip') {
    return {
      access: 'skipped',
      note: "service_agent_access is skip: the service agent's access to the image was not checked",
      findings: []
    }
  }
  // A virtual repository reads its upstreams with Artifact Registry's own agent, even in the same
  // project; that agent is named by the repository project's number, fetched only for virtual ones.
  const repositoryProject = image.crossProject ? image.imageProject : plan.target.projectId
  const repositoryNumber = () =>
    repositoryProject === plan.target.projectId
      ? Promise.resolve(plan.target.projectNumber)
      : gcp.project(repositoryProject ?? '').then(
          p => p.projectNumber ?? undefined,
          () => undefined
        )
  const repository = image.repository
  const upstreams = readRepository(gcp, repository).then(async ({ repository: repo }) =>
    repo?.mode === 'VIRTUAL_REPOSITORY'
      ? checkVirtualUpstreams(gcp, repo, await repositoryNumber())
      : []
  )
  if (image.notNeededBecause !== undefined) {
    const findings = named(await upstreams)
    const access = accessOf(findings)
    // An upstream that Artifact Registry's agent may not read blocks the pull all the same: say so,
    // rather than only that Cloud Run's own agent needs nothing.
    const note = access
      ? `${worst(findings)?.detail} (Cloud Run's service agent itself needs no grant: ${image.notNeededBecause}.)`
      : image.notNeededBecause
    return { access: access ?? 'not-needed', note, findings }
  }
  const member = `serviceAccount:${plan.serviceAgent}`
  const [finding, upstreamFindings] = await Promise.all([
    checkPrincipalCanDownload(gcp, member, repository, 'service-agent'),
    upstreams
  ])
  const findings = named([finding, ...upstreamFindings])
  return {
    access: accessOf(findings) ?? 'ok',
    note: (worst(findings) ?? findings[0])?.detail,
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
  repository: string,
  principal: string | undefined,
  outcome: CheckOutcome
): Promise<CheckOutcome> {
  const member = `serviceAccount:${plan.serviceAgent}`
  const by = principal ?? 'the deployer'
  const record = { repository, member, role: READER_ROLE, by }
  const isAgentFinding = (f: Finding) => f.check === 'service-agent' && f.resource === repository
  const adminFix = repositoryGrant(repository, member, READER_ROLE)
  const refused = (
    why: string,
    permission: string = PERMISSIONS.setRepositoryPolicy,
    status: 'missing' | 'unknown' = 'missing'
  ) => {
    const denied: Finding = {
      check: 'grant',
      kind: 'permission',
      principal: by,
      permission,
      resource: repository,
      status,
      source: 'check',
      detail:
        status === 'missing'
          ? `${why} An administrator of ${repository} can run the fix instead, or give ${by} ` +
            'roles/artifactregistry.admin on the repository so that service_agent_access: grant can.'
          : `${why} Nothing was granted; rerun later, or let an administrator of ${repository} run the fix.`,
      fix: adminFix
    }
    return {
      ...outcome,
      findings: [
        ...outcome.findings.filter(f => f.permission !== PERMISSIONS.setRepositoryPolicy),
        denied
      ],
      // serviceAgentAccess stays as the check found it: a refused grant says nothing new about it.
      ...(status === 'unknown' ? { grantFailure: why } : {})
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
    const result = await grantRepositoryRole(gcp, repository, member, READER_ROLE, by)
    const detail =
      result.result === 'granted'
        ? `Granted ${READER_ROLE} on ${repository} to ${member}, as ${by}.`
        : `${member} already holds ${READER_ROLE} on ${repository}; nothing written.`
    // Other images' repositories (sidecars) are not granted: their answers stand.
    const others = outcome.findings.filter(f => f.check === 'service-agent' && !isAgentFinding(f))
    const granted: ServiceAgentAccess = result.result === 'granted' ? 'granted' : 'ok'
    return {
      ...outcome,
      findings: outcome.findings.map(f =>
        isAgentFinding(f) ? { ...f, status: 'ok' as const, detail } : f
      ),
      // `granted` only when this run wrote the binding; one found already there is plainly `ok`.
      serviceAgentAccess: worstAccess([
        granted,
        ...others.map(f => (f.status === 'ok' ? granted : f.status))
      ]),
      serviceAgentNote: detail,
      grant: { ...record, result: result.result, attempts: result.attempts, etags: result.etags }
    }
  } catch (thrown) {
    // Whatever the reason (denied, the policy's 1,500-member limit, an outage), the grant did not happen:
    // the run reports it in full, with the fix an administrator can apply by hand.
    const error = toGoogleCallError('artifactregistry.repositories.setIamPolicy', thrown)
    return isDenied(thrown)
      ? refused(
          `The grant was refused (${error.message}).`,
          error.deniedPermission ?? PERMISSIONS.setRepositoryPolicy
        )
      : refused(
          // Google's messages end with a period of their own, mostly.
          `The grant failed: ${error.call}: ${error.status}: ${error.message.replace(/\.$/, '')}.`,
          PERMISSIONS.setRepositoryPolicy,
          'unknown'
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
