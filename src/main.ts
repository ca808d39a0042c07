/**
 * The pipeline, top to bottom: inputs → auth → plan → checks → grant → deploy (every region at once) →
 * report. The outcome (deployed, failed, blocked, dry run, cancelled) is decided before publishing, and
 * publishing is the last stage: each channel on its own, and none can change the outcome.
 * Every failure a user can act on is an ActionError and ends the run with one line; anything else is a bug.
 */
import * as core from '@actions/core'
import { authenticate, type Credentials } from './auth.js'
import { prefetch, readExisting, runChecks, type CheckOutcome } from './checks/index.js'
import { clock } from './clock.js'
import type { Config } from './config.js'
import {
  deploy,
  DeployFailure,
  plannedResource,
  type RegionResult,
  type RegionTarget
} from './deploy/index.js'
import type { Desired } from './deploy/spec.js'
import { ActionError } from './errors.js'
import { createClients, preloadClients, type GoogleClients } from './google/clients.js'
import { GoogleCallError } from './google/errors.js'
import { afterFirstRequest } from './google/http.js'
import { Gcp } from './google/gcp.js'
import { getTargetProject } from './google/projects.js'
import { KNOWN_CLOUD_RUN_REGIONS, loadConfig } from './inputs.js'
import { journal } from './journal.js'
import { planDeploy, repositoryName, resourceName, type PlannedContainer } from './plan.js'
import { settleFindings } from './report/evidence.js'
import { publish } from './report/publish.js'
import { isBlocking, type Outcome, type RunReport } from './report/report.js'
import packageJson from '../package.json' with { type: 'json' }

/** Sent to Cloud Run as the resource's `clientVersion`: package.json's, the one version there is. */
const VERSION = packageJson.version

/** The report as it stands, for a run the runner cancels halfway (published from the signal handler). */
let latest: Omit<RunReport, 'outcome' | 'durationMs'> | undefined
const started = clock.now()

export async function run(): Promise<void> {
  const cancel = onCancel()
  try {
    const config = await loadConfig()
    const report = await pipeline(config)
    await finish(config, report)
  } catch (error) {
    fail(error)
  } finally {
    cancel()
  }
}

/** Deploys and returns the report, whatever the outcome; throws only before there is anything to report. */
async function pipeline(config: Config): Promise<RunReport> {
  for (const notice of config.notices) core.info(notice)
  for (const region of config.regions) {
    if (!KNOWN_CLOUD_RUN_REGIONS.has(region)) {
      core.warning(`Region ${region} is not one this action knows Cloud Run to run in; continuing.`)
    }
  }
  const authenticating = authenticate(config)
  // The API clients' code compiles while the first token request is on its way.
  afterFirstRequest(preloadClients)
  const credentials = await authenticating
  const clients = await createClients(credentials.client, config.endpoints, config.universe)
  const gcp = new Gcp(clients)

  // Everything that does not need the project's number starts now, alongside the number's lookup: every
  // region's resource among it, so several regions cost no extra round trip.
  const names = config.regions.map(region => resourceName(config, config.projectId, region))
  prefetch(gcp, config, names, repositoryName(config.image))
  const target = await getTargetProject(gcp, config.projectId)
  const regions = await Promise.all(
    config.regions.map(async (region, i) => {
      const { resource, exists } = await readExisting(gcp, config, names[i] as string)
      const regionTarget: RegionTarget = {
        region,
        resourceName: names[i] as string,
        existing: resource
      }
      // The resource as it will be sent, before any check: every container's image is checked, and an
      // input the live resource cannot take (a secret over another volume, traffic that does not add up)
      // fails here, with nothing written.
      const desired = plannedResource(config, target.projectId, regionTarget, VERSION)
      return { regionTarget, exists, desired }
    })
  )
  // deploy-cloudrun ignores its other inputs when metadata is given; here they apply on top, said once.
  for (const path of new Set(regions.flatMap(r => r.desired.overrides))) {
    core.warning(
      `Input ${inputFor(path)} replaces ${path} from the metadata file ${config.metadata?.path}.`
    )
  }
  const containers = regions.flatMap(r => containersOf(config, r.desired))
  const plan = planDeploy(config, target, containers)
  const main = plan.images[0]
  core.info(
    `Target ${target.projectId} (number ${target.projectNumber}); image project ` +
      `${main?.imageProject ?? 'none'}; cross-project: ${main?.crossProject ?? false}; service agent ${plan.serviceAgent}`
  )
  const checks = await runChecks(
    gcp,
    config,
    plan,
    regions.map(r => ({
      region: r.regionTarget.region,
      resourceName: r.regionTarget.resourceName,
      exists: r.exists,
      runtimeServiceAccount: runtimeAccountOf(config, r.desired, target.projectNumber)
    })),
    credentials.principal,
    // The report as the checks left it, before the grant's write: a cancel during the write reports both.
    checked => (latest = baseReport(config, target, plan, checked, credentials))
  )
  latest = baseReport(config, target, plan, checks, credentials)
  const missing = checks.findings.filter(f => isBlocking(latest ?? {}, f))
  if (missing.length) {
    const grantFailed = checks.grantFailure ? ` ${checks.grantFailure}` : ''
    return complete({ kind: 'blocked', headline: blockedHeadline(config, missing) + grantFailed })
  }
  if (config.dryRun) {
    return complete({ kind: 'dry-run', headline: dryRunHeadline(latest) })
  }
  const results = await deployEverywhere(config, clients, plan, regions, checks)
  const failed = results.filter(r => r.status === 'failed')
  const settled = settleFindings(checks.findings, results, checks.serviceAgentAccess)
  latest = {
    ...(latest as NonNullable<typeof latest>),
    findings: settled.findings,
    serviceAgentAccess: settled.serviceAgentAccess,
    serviceAgentNote: settled.serviceAgentNote ?? latest?.serviceAgentNote,
    regions: results,
    notes: [...new Set(results.flatMap(r => r.notes))]
  }
  return complete(
    failed.length
      ? {
          kind: 'failed',
          headline:
            failed.length === results.length
              ? `${results.length > 1 ? 'The deploy failed in every region: ' : ''}${firstFailure(failed)}`
              : `The deploy failed in ${failed.map(r => r.region).join(', ')} and succeeded in ` +
                `${results
                  .filter(r => r.status === 'deployed')
                  .map(r => r.region)
                  .join(', ')}: ${firstFailure(failed)}`
        }
      : { kind: 'deployed', headline: deployedHeadline(config, results) }
  )
}

function complete(outcome: Outcome): RunReport {
  if (!latest) throw new Error('no report to complete')
  return {
    ...latest,
    outcome,
    iamWrites: [...journal.iamWrites],
    durationMs: clock.now() - started
  }
}

/** Which input replaced a metadata file's field (src/deploy/spec.ts, overridden). */
function inputFor(path: string): string {
  if (path.endsWith('.image')) return 'image'
  if (path.endsWith('.serviceAccount')) return 'runtime_service_account'
  if (path.includes('.env ')) return 'env_vars or secrets'
  if (path.startsWith('labels.')) return 'labels'
  if (path === 'template.timeout') return 'timeout'
  if (path === 'traffic') return 'tag, no_traffic or a traffic input'
  return 'an input'
}

/** Every container the resource will run, the main one marked. */
function containersOf(config: Config, desired: Desired): PlannedContainer[] {
  const resource = desired.resource as {
    template?: {
      containers?: { name?: string | null; image?: string | null }[]
      template?: { containers?: { name?: string | null; image?: string | null }[] }
    }
  }
  const containers =
    config.target.kind === 'job'
      ? (resource.template?.template?.containers ?? [])
      : (resource.template?.containers ?? [])
  return containers.map((c, i) => ({
    name: c.name ?? undefined,
    image: c.image ?? '',
    main: i === desired.container.index
  }))
}

/** The identity the resource will run as: as deployed, else the project's default compute account. */
function runtimeAccountOf(config: Config, desired: Desired, projectNumber: string): string {
  const template = (
    desired.resource as {
      template?: { serviceAccount?: string | null; template?: { serviceAccount?: string | null } }
    }
  ).template
  const account =
    config.target.kind === 'job' ? template?.template?.serviceAccount : template?.serviceAccount
  return account ?? `${projectNumber}-compute@developer.gserviceaccount.com`
}

function baseReport(
  config: Config,
  target: { projectId: string; projectNumber: string },
  plan: ReturnType<typeof planDeploy>,
  checks: CheckOutcome,
  credentials: Credentials
): NonNullable<typeof latest> {
  const main = plan.images[0]
  return {
    target: {
      kind: config.target.kind,
      name: config.target.name,
      projectId: target.projectId,
      projectNumber: target.projectNumber,
      regions: config.regions
    },
    image: config.image.raw,
    imageProject: main?.imageProject,
    repository: main?.repository,
    crossProject: main?.crossProject ?? false,
    serviceAgent: plan.serviceAgent,
    serviceAgentAccess: checks.serviceAgentAccess,
    serviceAgentNote: checks.serviceAgentNote,
    imageDigest: checks.imageDigest,
    authenticatedAs: credentials.principal,
    authMethod: credentials.method,
    dryRun: config.dryRun,
    findings: checks.findings,
    grant: checks.grant,
    regions: [],
    notes: []
  }
}

/** The same deploy in every region, concurrently: one failing neither cancels nor hides the others. */
async function deployEverywhere(
  config: Config,
  clients: GoogleClients,
  plan: ReturnType<typeof planDeploy>,
  regions: readonly { regionTarget: RegionTarget; desired: Desired }[],
  checks: CheckOutcome
): Promise<RegionResult[]> {
  const settled = await Promise.allSettled(
    regions.map(({ regionTarget, desired }) =>
      deploy(
        {
          clients,
          config,
          projectId: plan.target.projectId,
          repository: plan.images[0]?.repository,
          target: regionTarget,
          justGranted: checks.grant?.result === 'granted',
          version: VERSION
        },
        desired
      )
    )
  )
  return settled.map((result, i) => {
    if (result.status === 'fulfilled') return result.value
    const thrown = result.reason as unknown
    if (thrown instanceof DeployFailure) return thrown.result
    const target = regions[i]?.regionTarget as RegionTarget
    // A failure with no Cloud Run verdict (the update refused, an API that kept failing): the region's
    // result says so in the action's words.
    return {
      region: target.region,
      resourceName: target.resourceName,
      status: 'failed' as const,
      durationMs: clock.now() - started,
      failure: { message: errorLine(thrown), description: errorLine(thrown) },
      findings: [],
      pulled: false,
      notes: []
    }
  })
}

function firstFailure(failed: readonly RegionResult[]): string {
  const first = failed[0]
  if (!first?.failure) return 'see the summary'
  return `${failed.length > 1 ? `${first.region}: ` : ''}${first.failure.description}`
}

function deployedHeadline(config: Config, results: readonly RegionResult[]): string {
  const [first] = results
  const what =
    config.target.kind === 'job'
      ? first?.execution
        ? `execution ${first.execution.split('/').pop()} succeeded`
        : 'the job is updated'
      : `revision ${first?.revision ?? '?'}`
  const where = results.length > 1 ? ` in ${results.length} regions` : ''
  return `Deployed ${config.target.name}${where}: ${what}${first?.url ? `, ${first.url}` : ''}.`
}

/**
 * "Every check passed" only when it is true: a grant the real run would make first, or a check that could
 * not tell, is said.
 */
function dryRunHeadline(report: Pick<RunReport, 'grant' | 'findings'>): string {
  const grant = report.grant?.result === 'would-grant' ? report.grant : undefined
  const unverified = report.findings.filter(f => f.status === 'unknown').length
  const found = [
    grant
      ? `the real run would first grant ${grant.role} to ${grant.member} on ${grant.repository}`
      : '',
    unverified
      ? `${unverified} check${unverified > 1 ? 's' : ''} could not tell (see the warnings)`
      : ''
  ].filter(Boolean)
  const checks = found.length
    ? `no check found a problem that stops the deploy, but ${found.join(', and ')}`
    : 'every check passed'
  return `Dry run: ${checks}; nothing was changed and nothing deployed.`
}

function blockedHeadline(
  config: Config,
  missing: readonly { kind: string; permission: string }[]
): string {
  // An image that is not there is not a missing permission: name it as what it is.
  const permissions = missing.filter(f => f.kind === 'permission').map(f => f.permission)
  const problems = [
    permissions.length
      ? `${permissions.length} required permission${permissions.length > 1 ? 's are' : ' is'} missing (${permissions.join(', ')})`
      : '',
    missing.some(f => f.kind === 'image') ? `the image ${config.image.raw} cannot be pulled` : ''
  ].filter(Boolean)
  return (
    `${problems.join('; ')}; ${config.dryRun ? 'the deploy would fail' : 'nothing was deployed'}. ` +
    'Each annotation names the fix.'
  )
}

/** Publishes, then ends the step as the outcome says: the exit code is the deploy's, never a sink's. */
async function finish(config: Config, report: RunReport): Promise<void> {
  await publish(config, report)
  if (report.outcome.kind === 'deployed' || report.outcome.kind === 'dry-run') {
    core.info(report.outcome.headline)
    return
  }
  core.setFailed(report.outcome.headline)
}

function errorLine(error: unknown): string {
  if (error instanceof ActionError) return error.message
  if (error instanceof GoogleCallError)
    return `${error.call} failed: ${error.status}: ${error.message}`
  return `Unexpected error (a bug in this action; please report it): ${error instanceof Error ? error.message : String(error)}`
}

function fail(error: unknown): void {
  core.setFailed(errorLine(error))
  if (
    !(error instanceof ActionError) &&
    !(error instanceof GoogleCallError) &&
    error instanceof Error
  ) {
    if (error.stack) core.debug(error.stack)
  }
}

/**
 * The runner cancels a step with SIGINT, then SIGTERM (actions/runner: "Cancelling... sending SIGINT,
 * then SIGTERM after 7.5 s"). Before exiting, the run writes what it already did — a grant above all —
 * into the summary and the outputs, so that no change is left without a record.
 */
function onCancel(): () => void {
  let stopping = false
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    const writes = journal.iamWrites
    const done = writes.length
      ? ` IAM writes before the cancel: ${writes.map(w => `${w.role} for ${w.member} on ${w.resource} (${w.state})`).join('; ')}.`
      : ' No IAM write was made.'
    const report: RunReport | undefined = latest && {
      ...latest,
      outcome: { kind: 'cancelled', headline: `Cancelled by the runner (${signal}).${done}` },
      iamWrites: [...writes],
      durationMs: clock.now() - started
    }
    core.warning(`Cancelled by the runner (${signal}).${done}`)
    // Before the checks end there is no report to publish, but the outcome output still tells a later
    // `if: always()` step what happened.
    if (!report) core.setOutput('outcome', 'cancelled')
    void (report ? publishCancelled(report) : Promise.resolve()).finally(() => {
      process.exitCode = 1
      process.exit(1)
    })
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  return () => {
    process.off('SIGINT', handler)
    process.off('SIGTERM', handler)
  }
}

async function publishCancelled(report: RunReport): Promise<void> {
  try {
    const config = await loadConfig()
    await publish(config, report, { comment: false })
  } catch {
    // Publishing is best effort here: the warning above already named what was done.
  }
}
