/**
 * The pipeline, top to bottom: inputs → auth → plan → checks → grant → deploy → report.
 * Every failure a user can act on is an ActionError and ends the run with one line; anything else is a bug.
 */
import * as core from '@actions/core'
import { authenticate } from './auth.js'
import { prefetch, runChecks } from './checks/index.js'
import type { Config } from './config.js'
import { deploy as deployResource, DeployFailure } from './deploy/index.js'
import { ActionError } from './errors.js'
import packageJson from '../package.json' with { type: 'json' }
import { createClients, preloadClients } from './google/clients.js'
import { GoogleCallError } from './google/errors.js'
import { afterFirstRequest } from './google/http.js'
import { Gcp } from './google/gcp.js'
import { getTargetProject } from './google/projects.js'
import { KNOWN_CLOUD_RUN_REGIONS, readConfig } from './inputs.js'
import { planDeploy, repositoryName, resourceName } from './plan.js'
import { annotate, findStepLocation } from './report/annotations.js'
import { setOutputs } from './report/outputs.js'
import { upsertPullRequestComment } from './report/prComment.js'
import { isBlocking, type RunReport } from './report/report.js'
import { renderSummary } from './report/summary.js'

/** Sent to Cloud Run as the resource's `clientVersion`: package.json's, the one version there is. */
const VERSION = packageJson.version

export async function run(): Promise<void> {
  try {
    const config = readConfig()
    await deploy(config)
  } catch (error) {
    fail(error)
  }
}

async function deploy(config: Config): Promise<void> {
  if (!KNOWN_CLOUD_RUN_REGIONS.has(config.region)) {
    core.warning(
      `Region ${config.region} is not one this action knows Cloud Run to run in; continuing.`
    )
  }
  const authenticating = authenticate(config)
  // The API clients' code and Node's fetch compile while the first token request is on its way.
  afterFirstRequest(preloadClients)
  const credentials = await authenticating
  const clients = await createClients(credentials.client, config.endpoints, config.universe)
  const gcp = new Gcp(clients)

  // Everything that does not need the project's number starts now, alongside the number's lookup.
  prefetch(gcp, config, resourceName(config, config.projectId), repositoryName(config.image))
  const target = await getTargetProject(gcp, config.projectId)
  const plan = planDeploy(config, target)
  core.info(
    `Target ${target.projectId} (number ${target.projectNumber}); image project ` +
      `${plan.imageProject ?? 'none'}; cross-project: ${plan.crossProject}; service agent ${plan.serviceAgent}`
  )

  const checks = await runChecks(gcp, config, plan, credentials.principal)
  const report: RunReport = {
    target: {
      kind: config.target.kind,
      name: config.target.name,
      projectId: target.projectId,
      projectNumber: target.projectNumber,
      region: config.region
    },
    image: config.image.raw,
    imageProject: plan.imageProject,
    repository: plan.repository,
    crossProject: plan.crossProject,
    serviceAgent: plan.serviceAgent,
    serviceAgentAccess: checks.serviceAgentAccess,
    serviceAgentNote: checks.serviceAgentNote,
    imageDigest: checks.imageDigest,
    authenticatedAs: credentials.principal,
    authMethod: credentials.method,
    dryRun: config.dryRun,
    findings: checks.findings,
    grant: checks.grant
  }
  const missing = report.findings.filter(f => isBlocking(report, f))
  if (missing.length || config.dryRun) await publish(config, report)

  if (missing.length) {
    // An image that is not there is not a missing permission: name it as what it is.
    const permissions = missing.filter(f => f.kind === 'permission').map(f => f.permission)
    const problems = [
      permissions.length
        ? `${permissions.length} required permission${permissions.length > 1 ? 's are' : ' is'} missing (${permissions.join(', ')})`
        : '',
      missing.some(f => f.kind === 'image') ? `the image ${config.image.raw} cannot be pulled` : ''
    ].filter(Boolean)
    throw new ActionError(
      `${problems.join('; ')}; ${config.dryRun ? 'the deploy would fail' : 'nothing was deployed'}. ` +
        'Each annotation names the fix.'
    )
  }
  if (config.dryRun) {
    core.info('Dry run: checks done, nothing deployed.')
    return
  }
  try {
    const deployed = await deployResource({
      clients,
      config,
      plan,
      existing: checks.existing,
      justGranted: checks.grant?.result === 'granted',
      version: VERSION
    })
    await publish(config, { ...report, deploy: deployed })
    core.info(`Deployed ${plan.resourceName}${deployed.url ? `: ${deployed.url}` : ''}.`)
  } catch (error) {
    const diagnosed = error instanceof DeployFailure ? error.findings : []
    const partial = error instanceof DeployFailure ? error.partial : {}
    await publish(config, {
      ...report,
      // The failed revision or execution is still what a user looks up next.
      deploy: partial,
      findings: [...report.findings, ...diagnosed],
      serviceAgentAccess: diagnosed.some(f => f.check === 'service-agent')
        ? 'missing'
        : report.serviceAgentAccess
    })
    throw error
  }
}

async function publish(config: Config, report: RunReport): Promise<void> {
  annotate(report.findings, findStepLocation(), f => isBlocking(report, f))
  setOutputs(report)
  await core.summary.addRaw(renderSummary(report)).write()
  if (config.prComment) await upsertPullRequestComment(report, config.githubToken)
}

function fail(error: unknown): void {
  if (error instanceof ActionError) {
    core.setFailed(error.message)
  } else if (error instanceof GoogleCallError) {
    core.setFailed(`${error.call} failed: ${error.status}: ${error.message}`)
  } else {
    const message = error instanceof Error ? error.message : String(error)
    core.setFailed(`Unexpected error (a bug in this action; please report it): ${message}`)
    if (error instanceof Error && error.stack) core.debug(error.stack)
  }
}
