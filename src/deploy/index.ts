/**
 * Create or update the service, job or worker pool, wait for it, and read a failure back into Findings.
 * After a grant, the service agent's failed pull is expected for a while (IAM propagation: typically 2,
 * sometimes 7+ minutes); the deploy is retried with backoff until `iam_propagation_timeout`, never longer.
 */
import * as core from '@actions/core'
import type { run_v2 } from 'googleapis/build/src/apis/run/v2.js'
import type { Config } from '../config.js'
import { ActionError } from '../errors.js'
import type { Finding } from '../findings.js'
import type { GoogleClients } from '../google/clients.js'
import type { DeployPlan } from '../plan.js'
import { parsePullFailure, pullFailureFinding } from './diagnose.js'
import { RunApi, type Operation } from './runApi.js'
import { desiredResource, type RunResource, type SpecChanges } from './spec.js'
import { clock } from '../clock.js'

type Condition = run_v2.Schema$GoogleCloudRunV2Condition

export interface DeployOutcome {
  readonly url: string | undefined
  readonly revision: string | undefined
  readonly execution: string | undefined
  /** Failures read back into findings (the service agent's pull). */
  readonly findings: readonly Finding[]
}

export interface DeployContext {
  readonly clients: GoogleClients
  readonly config: Config
  readonly plan: DeployPlan
  readonly existing: RunResource | undefined
  /** True when this run granted the service agent access: a failed pull is then expected for a while. */
  readonly justGranted: boolean
  readonly version: string
}

/** A deploy that ended in a failure the user must see; carries the findings it was read into. */
export class DeployFailure extends ActionError {
  constructor(
    message: string,
    readonly findings: readonly Finding[],
    /** What the failed deploy still produced (the failed revision, the failed execution). */
    readonly partial: Partial<Pick<DeployOutcome, 'revision' | 'execution'>> = {}
  ) {
    super(message)
  }
}

const PROGRESS_EVERY_MS = 5000
const shortName = (name: string | null | undefined) => name?.split('/').pop()

export async function deploy(ctx: DeployContext): Promise<DeployOutcome> {
  const api = new RunApi(ctx.clients.run)
  const started = clock.now()
  const timeoutMs = ctx.config.iamPropagationTimeoutMs
  let existing = ctx.existing
  let forceNewRevision = false
  for (let attempt = 1; ; attempt++) {
    try {
      const resource = await deployOnce(ctx, api, existing, forceNewRevision)
      return await finish(ctx, api, resource)
    } catch (thrown) {
      // Only the pull that this run's own grant should fix is worth waiting for; anything else is final.
      if (!(thrown instanceof DeployFailure) || !ctx.justGranted || !isPullFailure(thrown)) {
        throw thrown
      }
      const elapsed = Math.round((clock.now() - started) / 1000)
      const left = started + timeoutMs - clock.now()
      if (left <= 0) {
        throw new DeployFailure(
          `IAM did not propagate within iam_propagation_timeout (${Math.round(timeoutMs / 1000)}s): ` +
            `the binding was granted, but after ${attempt} deploy${attempt > 1 ? 's' : ''} in ${elapsed}s ` +
            'Cloud Run still cannot pull the image. Rerun later, or raise iam_propagation_timeout. ' +
            `Last error: ${thrown.message}`,
          thrown.findings,
          thrown.partial
        )
      }
      const delay = Math.min(60_000, 5000 * 2 ** (attempt - 1), left)
      core.info(
        `Waiting for IAM to propagate: the service agent cannot pull the image yet, as expected right ` +
          `after the grant (${elapsed}s so far, up to ${Math.round(timeoutMs / 1000)}s, iam_propagation_timeout). ` +
          `Redeploying in ${Math.round(delay / 1000)}s (attempt ${attempt + 1}).`
      )
      await clock.sleep(delay)
      existing = await api.get(ctx.config.target.kind, ctx.plan.resourceName)
      // The same template again would not start a new revision; the new one pulls with the new binding.
      forceNewRevision = true
    }
  }
}

const isPullFailure = (failure: DeployFailure) =>
  failure.findings.some(f => f.check === 'service-agent' && f.source === 'deploy')

function changesFrom(ctx: DeployContext, revisionName: string | undefined): SpecChanges {
  const { config } = ctx
  return {
    image: config.image.raw,
    envVars: config.envVars,
    envVarsUpdateStrategy: config.envVarsUpdateStrategy,
    secrets: config.secrets,
    secretsUpdateStrategy: config.secretsUpdateStrategy,
    labels: config.labels,
    runtimeServiceAccount: config.runtimeServiceAccount,
    tag: config.tag,
    noTraffic: config.noTraffic,
    revisionName,
    client: { name: 'cloud-run-deploy-action', version: ctx.version }
  }
}

/** Sends the create or update and, with `wait`, waits for the operation; returns the resource after it. */
async function deployOnce(
  ctx: DeployContext,
  api: RunApi,
  existing: RunResource | undefined,
  forceNewRevision: boolean
): Promise<RunResource> {
  const { config, plan } = ctx
  const kind = config.target.kind
  // Traffic can only name the new revision if the revision's name is chosen here.
  const revisionName =
    kind === 'service' && (config.tag || config.noTraffic)
      ? `${config.target.name}-${clock.now().toString(36)}`.slice(0, 63)
      : undefined
  const body = desiredResource(
    kind,
    existing,
    config.metadata?.resource as RunResource | undefined,
    changesFrom(ctx, revisionName)
  )
  let operation: Operation | undefined
  if (existing) {
    core.info(
      `Updating ${kind} ${plan.resourceName} (generation ${(existing as { generation?: string }).generation ?? '?'}).`
    )
    try {
      operation = await api.update(kind, plan.resourceName, body, forceNewRevision)
    } catch (thrown) {
      const status = (thrown as { httpStatus?: number }).httpStatus
      if (status === 409 || status === 412) {
        throw new ActionError(
          `${plan.resourceName} was changed by someone else while this run prepared its update ` +
            '(its etag no longer matches); nothing was overwritten. Rerun to deploy on top of the new version.'
        )
      }
      throw thrown
    }
  } else {
    core.info(`Creating ${kind} ${plan.resourceName}.`)
    operation = await api.create(kind, plan.resourceName, body)
  }
  if (!config.wait) {
    return (
      (operation?.metadata as RunResource | undefined) ??
      (await api.get(kind, plan.resourceName)) ??
      body
    )
  }
  if (operation?.name) {
    const done = await waitForOperation(ctx, api, operation)
    if (done.error) {
      const resource = await api.get(kind, plan.resourceName)
      throw failure(ctx, done.error.message ?? 'the operation failed', resource)
    }
  }
  // Without an operation to follow (a create whose answer was lost, then found on a re-read), the
  // resource itself says when it is done.
  const resource = operation?.name
    ? await api.get(kind, plan.resourceName)
    : await waitForResource(ctx, api)
  if (!resource) throw new ActionError(`${plan.resourceName} is gone after the deploy.`)
  const terminal = resource.terminalCondition
  if (terminal?.state === 'CONDITION_FAILED') {
    throw failure(ctx, terminal.message ?? terminal.reason ?? 'failed', resource)
  }
  return resource
}

async function waitForOperation(
  ctx: DeployContext,
  api: RunApi,
  operation: Operation
): Promise<Operation> {
  const deadline = clock.now() + ctx.config.waitTimeoutMs
  const started = clock.now()
  let lastProgress = started
  let current = operation
  while (!current.done) {
    const left = deadline - clock.now()
    if (left <= 0) {
      throw new ActionError(
        `The deploy did not finish within wait_timeout (${Math.round(ctx.config.waitTimeoutMs / 1000)}s); ` +
          `operation ${current.name} is still running. Raise wait_timeout, or set wait: false.`
      )
    }
    current = await api.waitOperation(current.name as string, Math.min(10, left / 1000))
    if (clock.now() - lastProgress >= PROGRESS_EVERY_MS && !current.done) {
      lastProgress = clock.now()
      core.info(progressLine(current.metadata as RunResource | undefined, started))
    }
  }
  return current
}

const isSettled = (resource: RunResource) =>
  !resource.reconciling &&
  ['CONDITION_SUCCEEDED', 'CONDITION_FAILED'].includes(resource.terminalCondition?.state ?? '')

/** Polls the resource until its terminal condition settles, within wait_timeout. */
async function waitForResource(ctx: DeployContext, api: RunApi): Promise<RunResource | undefined> {
  const started = clock.now()
  let lastProgress = started
  for (;;) {
    const resource = await api.get(ctx.config.target.kind, ctx.plan.resourceName)
    if (!resource || isSettled(resource)) return resource
    if (clock.now() - started >= ctx.config.waitTimeoutMs) {
      throw new ActionError(
        `${ctx.plan.resourceName} did not become ready within wait_timeout ` +
          `(${Math.round(ctx.config.waitTimeoutMs / 1000)}s). Raise wait_timeout, or set wait: false.`
      )
    }
    if (clock.now() - lastProgress >= PROGRESS_EVERY_MS) {
      lastProgress = clock.now()
      core.info(progressLine(resource, started))
    }
    await clock.sleep(1000)
  }
}

function progressLine(resource: RunResource | undefined, started: number): string {
  const condition = resource?.terminalCondition
  const revision = shortName(
    (resource as { latestCreatedRevision?: string | null } | undefined)?.latestCreatedRevision
  )
  return (
    `Waiting: revision ${revision ?? 'pending'}, ` +
    `${condition?.type ?? 'Ready'} ${condition?.state ?? 'CONDITION_PENDING'}${condition?.reason ? ` (${condition.reason})` : ''}, ` +
    `${Math.round((clock.now() - started) / 1000)}s elapsed.`
  )
}

/** Turns a failure message into a DeployFailure with Cloud Run's own words and, when it is the pull, a finding. */
function failure(
  ctx: DeployContext,
  message: string,
  resource: RunResource | undefined
): DeployFailure {
  const conditions: Condition[] = [
    ...(resource?.terminalCondition ? [resource.terminalCondition] : []),
    ...(resource?.conditions ?? [])
  ]
  const texts = [message, ...conditions.map(c => c.message ?? '')]
  const pull = texts.map(parsePullFailure).find(Boolean)
  const revision = shortName(
    (resource as { latestCreatedRevision?: string | null } | undefined)?.latestCreatedRevision
  )
  const reason =
    conditions.find(c => c.reason && c.reason !== 'CONDITION_REASON_UNDEFINED')?.reason ??
    conditions.find(c => c.revisionReason)?.revisionReason ??
    conditions.find(c => c.executionReason)?.executionReason
  if (pull) {
    const finding = pullFailureFinding(pull, ctx.plan.repository)
    return new DeployFailure(
      `Cloud Run's service agent ${pull.serviceAgent} cannot pull ${pull.image}` +
        `${reason ? ` (${reason})` : ''}. Fix: ${finding.fix?.gcloud ?? 'grant it roles/artifactregistry.reader on the repository'}`,
      [finding],
      { revision }
    )
  }
  return new DeployFailure(
    `The deploy of ${ctx.plan.resourceName} failed${reason ? ` (${reason})` : ''}: ${message.replace(/\s+/g, ' ')}`,
    [],
    { revision }
  )
}

async function finish(
  ctx: DeployContext,
  api: RunApi,
  resource: RunResource
): Promise<DeployOutcome> {
  const service = resource as run_v2.Schema$GoogleCloudRunV2Service
  const tagUrl = ctx.config.tag
    ? (service.trafficStatuses?.find(t => t.tag === ctx.config.tag)?.uri ?? undefined)
    : undefined
  const revision = shortName(
    (resource as { latestCreatedRevision?: string | null }).latestCreatedRevision
  )
  let execution: string | undefined
  if (ctx.config.target.kind === 'job' && ctx.config.execute) {
    execution = await execute(ctx, api)
  }
  return {
    url: tagUrl ?? service.uri ?? undefined,
    revision,
    execution,
    findings: []
  }
}

async function execute(ctx: DeployContext, api: RunApi): Promise<string | undefined> {
  core.info(`Running job ${ctx.plan.resourceName}.`)
  const operation = await api.runJob(ctx.plan.resourceName)
  const name =
    (operation.metadata as run_v2.Schema$GoogleCloudRunV2Execution | undefined)?.name ?? undefined
  if (!ctx.config.wait) return name ?? undefined
  const done = operation.name ? await waitForOperation(ctx, api, operation) : operation
  const executionName =
    name ?? (done.response as run_v2.Schema$GoogleCloudRunV2Execution | undefined)?.name
  const result = executionName ? await api.execution(executionName) : undefined
  const counts = `${result?.succeededCount ?? 0} succeeded, ${result?.failedCount ?? 0} failed, ${result?.cancelledCount ?? 0} cancelled of ${result?.taskCount ?? '?'} tasks`
  const completed = result?.conditions?.find(c => c.type === 'Completed')
  core.info(
    `Execution ${shortName(executionName)}: ${counts}.${result?.logUri ? ` Logs: ${result.logUri}` : ''}`
  )
  if (done.error || (result?.failedCount ?? 0) > 0 || completed?.state === 'CONDITION_FAILED') {
    const message = done.error?.message ?? completed?.message ?? 'the execution failed'
    const reason = completed?.executionReason ?? completed?.reason ?? undefined
    const pull = parsePullFailure(message)
    throw new DeployFailure(
      `Execution ${shortName(executionName)} failed (${counts})` +
        `${reason && reason !== 'EXECUTION_REASON_UNDEFINED' ? `, ${reason}` : ''}: ` +
        `${message.replace(/\s+/g, ' ')}${result?.logUri ? ` Logs: ${result.logUri}` : ''}`,
      pull ? [pullFailureFinding(pull, ctx.plan.repository)] : [],
      { execution: executionName ?? undefined }
    )
  }
  return executionName ?? undefined
}
