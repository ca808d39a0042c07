/**
 * Create or update the service, job or worker pool in one region, wait for it, and read the outcome back:
 * the URL, the revision or execution, the traffic, or Cloud Run's reason for a failure and the container's
 * last log lines. After a grant, the service agent's failed pull is expected for a while (IAM propagation:
 * typically 2, sometimes 7+ minutes); the deploy is retried with backoff until `iam_propagation_timeout`.
 */
import * as core from '@actions/core'
import type { run_v2 } from 'googleapis/build/src/apis/run/v2.js'
import { clock } from '../clock.js'
import type { Config } from '../config.js'
import { ActionError } from '../errors.js'
import type { Finding } from '../findings.js'
import type { GoogleClients } from '../google/clients.js'
import { parsePullFailure, pullFailureFinding } from './diagnose.js'
import { fetchFailureLogs, logsConsoleUrl, type FailedWorkload, type FailureLogs } from './logs.js'
import { randomSuffix, revisionNameFor } from './revision.js'
import { RunApi, type Operation } from './runApi.js'
import { desiredResource, type Desired, type RunResource, type SpecChanges } from './spec.js'
import type { TrafficTarget } from './traffic.js'

type Service = run_v2.Schema$GoogleCloudRunV2Service
type Execution = run_v2.Schema$GoogleCloudRunV2Execution
type Condition = run_v2.Schema$GoogleCloudRunV2Condition

/** What one region's deploy came to: what a user looks up next either way. */
export interface RegionResult {
  readonly region: string
  readonly resourceName: string
  readonly status: 'deployed' | 'failed'
  readonly url?: string
  /** The revision this deploy created (services, worker pools). */
  readonly revision?: string
  readonly execution?: string
  readonly durationMs: number
  /** Services: the traffic the service serves now, and the new revision's share of it. */
  readonly traffic?: {
    readonly newRevisionPercent: number
    readonly statuses: readonly run_v2.Schema$GoogleCloudRunV2TrafficTargetStatus[]
  }
  /** Cloud Logging's view of the revision or execution. */
  readonly logsUrl?: string
  readonly failure?: {
    /** Cloud Run's reason (CONTAINER_PERMISSION_DENIED, HEALTH_CHECK_CONTAINER_ERROR, ...). */
    readonly reason?: string
    /** Cloud Run's own words. */
    readonly message: string
    /** The whole story in one line, in the action's words: what failed, why, the fix or the last logs. */
    readonly description: string
    /** The container's last log lines, when it failed after the pull. */
    readonly logs?: FailureLogs
  }
  /** The service agent's failed pull, read back into a Finding. */
  readonly findings: readonly Finding[]
  /**
   * Whether Cloud Run pulled every image: the revision (or job) became ready, or its container ran and
   * failed after the pull. It proves the service agent's access (src/report/evidence.ts).
   */
  readonly pulled: boolean
  /** Said in the log and the summary: a pinned traffic split, a metadata field an input replaced. */
  readonly notes: readonly string[]
}

export interface RegionTarget {
  readonly region: string
  /** `projects/P/locations/REGION/services/NAME` (or jobs/, workerPools/). */
  readonly resourceName: string
  readonly existing: RunResource | undefined
}

export interface DeployContext {
  readonly clients: GoogleClients
  readonly config: Config
  readonly projectId: string
  /** The repository of the main image, for the fix of a failed pull that does not name it. */
  readonly repository: string | undefined
  readonly target: RegionTarget
  /** True when this run granted the service agent access: a failed pull is then expected for a while. */
  readonly justGranted: boolean
  readonly version: string
}

/** A deploy that ended in a failure the user must see; carries what the region came to. */
export class DeployFailure extends ActionError {
  readonly result: RegionResult
  constructor(
    message: string,
    result: Omit<RegionResult, 'failure'> & {
      failure?: Omit<NonNullable<RegionResult['failure']>, 'description'>
    }
  ) {
    super(message)
    this.result = {
      ...result,
      failure: result.failure && { ...result.failure, description: message }
    }
  }
}

const PROGRESS_EVERY_MS = 5000
/** Polls start a second apart and back off to this: a 10 s operation costs at most a handful of requests. */
const POLL_FIRST_MS = 1000
const POLL_CAP_MS = 5000
/** How long one operations.wait may hold the request (it may answer sooner: it is best effort). */
const SERVER_WAIT_MS = 10_000
const shortName = (name: string | null | undefined) => name?.split('/').pop() ?? undefined

/** The spec changes the inputs ask for, with this deploy's revision name. */
export function specChanges(
  config: Config,
  region: string,
  projectId: string,
  revisionName: string | undefined,
  version: string
): SpecChanges {
  return {
    image: config.image.raw,
    container: config.container,
    env: config.env,
    secrets: config.secrets,
    labels: config.labels,
    defaultLabels: config.defaultLabels,
    runtimeServiceAccount: config.runtimeServiceAccount,
    timeout: config.timeout,
    flags: config.flags,
    project: projectId,
    region,
    tag: config.tag,
    noTraffic: config.noTraffic,
    revisionTraffic: config.revisionTraffic,
    tagTraffic: config.tagTraffic,
    revisionName,
    client: { name: 'cloud-run-deploy-action', version }
  }
}

/**
 * The resource this deploy will send: pure, so the checks (every container's image) and input errors
 * (a secret over a non-secret volume, traffic that does not add up) come before any write.
 */
export function plannedResource(
  config: Config,
  projectId: string,
  target: RegionTarget,
  version: string,
  attempt = 1
): Desired {
  const kind = config.target.kind
  const revisionName =
    kind === 'job'
      ? undefined
      : revisionNameFor(config.target.name, config.suffix, target.existing, attempt, randomSuffix())
  return desiredResource(
    kind,
    target.existing,
    config.metadata?.resource as RunResource | undefined,
    specChanges(config, target.region, projectId, revisionName, version)
  )
}

export async function deploy(ctx: DeployContext, first: Desired): Promise<RegionResult> {
  const api = new RunApi(ctx.clients.run)
  const started = clock.now()
  const timeoutMs = ctx.config.iamPropagationTimeoutMs
  let existing = ctx.target.existing
  let desired = first
  for (let attempt = 1; ; attempt++) {
    try {
      const resource = await deployOnce(ctx, api, existing, desired, started)
      return await finish(ctx, api, resource, desired, started)
    } catch (thrown) {
      // Only the pull that this run's own grant should fix is worth waiting for; anything else is final.
      if (!(thrown instanceof DeployFailure) || !ctx.justGranted || !isPullFailure(thrown)) {
        if (thrown instanceof DeployFailure) throw withDuration(thrown, started)
        throw thrown
      }
      const elapsed = Math.round((clock.now() - started) / 1000)
      const left = started + timeoutMs - clock.now()
      if (left <= 0) {
        throw withDuration(
          new DeployFailure(
            `IAM did not propagate within iam_propagation_timeout (${Math.round(timeoutMs / 1000)}s): ` +
              `the binding was granted, but after ${attempt} deploy${attempt > 1 ? 's' : ''} in ${elapsed}s ` +
              'Cloud Run still cannot pull the image. Rerun later, or raise iam_propagation_timeout. ' +
              `Last error: ${thrown.message}`,
            thrown.result
          ),
          started
        )
      }
      const delay = Math.min(60_000, 5000 * 2 ** (attempt - 1), left)
      core.info(
        `Waiting for IAM to propagate: the service agent cannot pull the image yet, as expected right ` +
          `after the grant (${elapsed}s so far, up to ${Math.round(timeoutMs / 1000)}s, iam_propagation_timeout). ` +
          `Redeploying in ${Math.round(delay / 1000)}s (attempt ${attempt + 1}).`
      )
      await clock.sleep(delay)
      existing = await api.get(ctx.config.target.kind, ctx.target.resourceName)
      // A new revision (a new name) pulls again, with the new binding.
      desired = plannedResource(
        ctx.config,
        ctx.projectId,
        { ...ctx.target, existing },
        ctx.version,
        attempt + 1
      )
    }
  }
}

const isPullFailure = (failure: DeployFailure) =>
  failure.result.findings.some(f => f.check === 'service-agent' && f.source === 'deploy')

function withDuration(failure: DeployFailure, started: number): DeployFailure {
  return new DeployFailure(failure.message, {
    ...failure.result,
    durationMs: clock.now() - started
  })
}

/** Sends the create or update and, with `wait`, waits for the operation; returns the resource after it. */
async function deployOnce(
  ctx: DeployContext,
  api: RunApi,
  existing: RunResource | undefined,
  desired: Desired,
  started: number
): Promise<RunResource> {
  const { config, target } = ctx
  const kind = config.target.kind
  const body = desired.resource
  let operation: Operation | undefined
  const revision = (body as Service).template?.revision
  if (existing) {
    core.info(
      `Updating ${kind} ${target.resourceName} (generation ${existing.generation ?? '?'})` +
        `${revision ? `: new revision ${revision}` : ''}.`
    )
    try {
      operation = await api.update(kind, target.resourceName, body, existing)
    } catch (thrown) {
      const status = (thrown as { httpStatus?: number }).httpStatus
      if (status === 409 || status === 412) {
        throw new ActionError(
          `${target.resourceName} was changed by someone else while this run prepared its update ` +
            '(its etag no longer matches); nothing was overwritten. Rerun to deploy on top of the new version.'
        )
      }
      throw thrown
    }
  } else {
    core.info(
      `Creating ${kind} ${target.resourceName}${revision ? ` (revision ${revision})` : ''}.`
    )
    operation = await api.create(kind, target.resourceName, body)
  }
  if (!config.wait) {
    return (
      (operation?.metadata as RunResource | undefined) ??
      (await api.get(kind, target.resourceName)) ??
      body
    )
  }
  if (operation?.name) {
    const done = await waitForOperation(ctx, api, operation)
    if (done.error) {
      const resource = await api.get(kind, target.resourceName)
      throw await failure(
        ctx,
        done.error.message ?? 'the operation failed',
        resource,
        revision,
        started
      )
    }
  }
  // Without an operation to follow (a create or update whose answer was lost, then found on a re-read),
  // the resource itself says when it is done.
  const resource = operation?.name
    ? await api.get(kind, target.resourceName)
    : await waitForResource(ctx, api)
  if (!resource) throw new ActionError(`${target.resourceName} is gone after the deploy.`)
  const terminal = resource.terminalCondition
  if (terminal?.state === 'CONDITION_FAILED') {
    throw await failure(
      ctx,
      terminal.message ?? terminal.reason ?? 'failed',
      resource,
      revision,
      started
    )
  }
  return resource
}

/** The pace of polling: the first poll a second after the last, backing off to POLL_CAP_MS. */
export function nextPollInterval(previous: number | undefined): number {
  return previous === undefined ? POLL_FIRST_MS : Math.min(POLL_CAP_MS, previous * 2)
}

/**
 * Follows a long-running operation to its end within wait_timeout. operations.wait is asked to hold each
 * request for up to SERVER_WAIT_MS, but it may answer at once (it is best effort: REFERENCE.md), so the
 * loop keeps its own pace between requests; a progress line every few seconds, not one per request.
 */
export async function waitForOperation(
  ctx: { readonly config: Config },
  api: RunApi,
  operation: Operation,
  describe: (current: Operation) => string = current =>
    progressLine(current.metadata as RunResource | undefined)
): Promise<Operation> {
  const deadline = clock.now() + ctx.config.waitTimeoutMs
  const started = clock.now()
  let lastProgress = started
  let interval: number | undefined
  let current = operation
  while (!current.done) {
    const left = deadline - clock.now()
    if (left <= 0) {
      throw new ActionError(
        `The deploy did not finish within wait_timeout (${Math.round(ctx.config.waitTimeoutMs / 1000)}s); ` +
          `operation ${current.name} is still running. Raise wait_timeout, or set wait: false.`
      )
    }
    const asked = clock.now()
    current = await api.waitOperation(current.name as string, Math.min(SERVER_WAIT_MS, left) / 1000)
    if (current.done) break
    interval = nextPollInterval(interval)
    const pause = Math.min(asked + interval - clock.now(), deadline - clock.now())
    if (pause > 0) await clock.sleep(pause)
    if (clock.now() - lastProgress >= PROGRESS_EVERY_MS) {
      lastProgress = clock.now()
      core.info(`${describe(current)}, ${Math.round((clock.now() - started) / 1000)}s elapsed.`)
    }
  }
  return current
}

const isSettled = (resource: RunResource) =>
  !resource.reconciling &&
  ['CONDITION_SUCCEEDED', 'CONDITION_FAILED'].includes(resource.terminalCondition?.state ?? '')

/** Polls the resource until its terminal condition settles, within wait_timeout, at the same pace. */
async function waitForResource(ctx: DeployContext, api: RunApi): Promise<RunResource | undefined> {
  const started = clock.now()
  let lastProgress = started
  let interval: number | undefined
  for (;;) {
    const resource = await api.get(ctx.config.target.kind, ctx.target.resourceName)
    if (!resource || isSettled(resource)) return resource
    if (clock.now() - started >= ctx.config.waitTimeoutMs) {
      throw new ActionError(
        `${ctx.target.resourceName} did not become ready within wait_timeout ` +
          `(${Math.round(ctx.config.waitTimeoutMs / 1000)}s). Raise wait_timeout, or set wait: false.`
      )
    }
    if (clock.now() - lastProgress >= PROGRESS_EVERY_MS) {
      lastProgress = clock.now()
      core.info(
        `${progressLine(resource)}, ${Math.round((clock.now() - started) / 1000)}s elapsed.`
      )
    }
    interval = nextPollInterval(interval)
    await clock.sleep(interval)
  }
}

function progressLine(resource: RunResource | undefined): string {
  const condition = resource?.terminalCondition
  const revision = shortName(
    (resource as { latestCreatedRevision?: string | null } | undefined)?.latestCreatedRevision
  )
  return (
    `Waiting: revision ${revision ?? 'pending'}, ` +
    `${condition?.type ?? 'Ready'} ${condition?.state ?? 'CONDITION_PENDING'}${condition?.reason ? ` (${condition.reason})` : ''}`
  )
}

function workloadOf(
  ctx: DeployContext,
  revision: string | undefined,
  execution: string | undefined
): FailedWorkload | undefined {
  const { config, projectId, target } = ctx
  const base = { project: projectId, region: target.region }
  if (config.target.kind === 'job') {
    return execution ? { ...base, kind: 'job', job: config.target.name, execution } : undefined
  }
  if (!revision) return undefined
  return config.target.kind === 'service'
    ? { ...base, kind: 'service', service: config.target.name, revision }
    : { ...base, kind: 'workerPool', workerPool: config.target.name, revision }
}

/** Cloud Run's reason for a failed condition, whichever field carries it. */
function reasonOf(conditions: readonly Condition[]): string | undefined {
  return (
    conditions.find(c => c.reason && c.reason !== 'CONDITION_REASON_UNDEFINED')?.reason ??
    conditions.find(c => c.revisionReason && c.revisionReason !== 'REVISION_REASON_UNDEFINED')
      ?.revisionReason ??
    conditions.find(c => c.executionReason && c.executionReason !== 'EXECUTION_REASON_UNDEFINED')
      ?.executionReason ??
    undefined
  )
}

/**
 * A failed deploy in Cloud Run's own words. The service agent's failed pull becomes a Finding with its
 * fix; any other failure carries no permission fix, but the container's last log lines when it got as
 * far as starting.
 */
async function failure(
  ctx: DeployContext,
  message: string,
  resource: RunResource | undefined,
  requestedRevision: string | null | undefined,
  started: number
): Promise<DeployFailure> {
  const conditions: Condition[] = [
    ...(resource?.terminalCondition ? [resource.terminalCondition] : []),
    ...(resource?.conditions ?? [])
  ]
  const texts = [message, ...conditions.map(c => c.message ?? '')]
  const pull = texts.map(parsePullFailure).find(Boolean)
  const revision =
    shortName(requestedRevision) ??
    shortName(
      (resource as { latestCreatedRevision?: string | null } | undefined)?.latestCreatedRevision
    )
  const reason = reasonOf(conditions)
  const workload = workloadOf(ctx, revision, undefined)
  const base = {
    region: ctx.target.region,
    resourceName: ctx.target.resourceName,
    status: 'failed' as const,
    revision,
    durationMs: 0,
    logsUrl: workload ? logsConsoleUrl(workload) : undefined,
    notes: []
  }
  if (pull) {
    const finding = pullFailureFinding(pull, ctx.repository)
    return new DeployFailure(
      `Cloud Run's service agent ${pull.serviceAgent} cannot pull ${pull.image}` +
        `${reason ? ` (${reason})` : ''}. Fix: ${finding.fix?.gcloud ?? 'grant it roles/artifactregistry.reader on the repository'}`,
      {
        ...base,
        findings: [finding],
        pulled: false,
        failure: { reason, message: oneLine(message) }
      }
    )
  }
  // The image was pulled (or never needed a pull): the container's own output says why it stopped.
  const logs =
    workload && !isBeforeStart(reason)
      ? await fetchFailureLogs(ctx.clients.auth, ctx.clients.endpoints.LOGGING, workload, {
          since: new Date(started).toISOString()
        })
      : undefined
  return new DeployFailure(
    `The deploy of ${ctx.target.resourceName} failed${reason ? ` (${reason})` : ''}: ${oneLine(message)}` +
      logLinesForError(logs),
    {
      ...base,
      findings: [],
      pulled: AFTER_PULL.has(reason ?? ''),
      failure: { reason, message: oneLine(message), logs }
    }
  )
}

/** Reasons that stop a revision before its container runs: there is nothing in its log. */
const isBeforeStart = (reason: string | undefined) =>
  reason === 'CONTAINER_MISSING' || reason === 'CONTAINER_PERMISSION_DENIED'

/**
 * Reasons given once the container ran (the v2 Condition's RevisionReason and ExecutionReason, and the
 * condition reason CONTAINER_FAILED_TO_START): the image was pulled.
 */
const AFTER_PULL = new Set([
  'HEALTH_CHECK_CONTAINER_ERROR',
  'CONTAINER_FAILED_TO_START',
  'NON_ZERO_EXIT_CODE'
])

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim()

/** The last lines, in the step's error: where a user looks first. */
function logLinesForError(logs: FailureLogs | undefined, link?: string): string {
  const where = link ?? (logs ? logs.consoleUrl : undefined)
  const logsAt = where ? ` Logs: ${where}` : ''
  if (!logs) return logsAt
  if ('unavailable' in logs) {
    return `${logsAt} (No container log here: ${logs.unavailable}${logs.role ? `; ${logs.role} would let the deployer read it` : ''}.)`
  }
  const last = logs.lines.slice(-5).map(line => line.text.replace(/\s+/g, ' ').trim())
  // A log line that ends a sentence needs no second period.
  return ` Last log lines: ${last.join(' | ').replace(/\.$/, '')}.${logsAt}`
}

async function finish(
  ctx: DeployContext,
  api: RunApi,
  resource: RunResource,
  desired: Desired,
  started: number
): Promise<RegionResult> {
  const kind = ctx.config.target.kind
  let current = resource
  const revision =
    shortName((desired.resource as Service).template?.revision) ??
    shortName((resource as { latestCreatedRevision?: string | null }).latestCreatedRevision)
  if (kind === 'service' && desired.trafficAfterReady && ctx.config.wait) {
    current = await moveTraffic(ctx, api, resource as Service, desired.trafficAfterReady, revision)
  }
  let execution: string | undefined
  if (kind === 'job' && ctx.config.execute) execution = await execute(ctx, api, started)
  const service = current as Service
  const tagUrl = ctx.config.tag
    ? (service.trafficStatuses?.find(t => t.tag === ctx.config.tag)?.uri ?? undefined)
    : undefined
  const workload = workloadOf(ctx, revision, shortName(execution))
  const notes = desired.overrides.map(path => `an input replaced ${path} from the metadata file`)
  if (kind === 'service' && desired.newRevisionPercent === 0) {
    notes.push(
      `the new revision ${revision} receives 0% of the traffic: ` +
        (ctx.config.noTraffic
          ? 'no_traffic is set'
          : 'the traffic is pinned to earlier revisions (revision_traffic: LATEST=100 sends it all to the newest)')
    )
  }
  for (const note of notes.slice(desired.overrides.length)) core.info(`Note: ${note}.`)
  return {
    region: ctx.target.region,
    resourceName: ctx.target.resourceName,
    status: 'deployed',
    url: tagUrl ?? service.uri ?? undefined,
    revision: kind === 'job' ? undefined : revision,
    execution,
    durationMs: clock.now() - started,
    traffic:
      kind === 'service'
        ? {
            newRevisionPercent: desired.newRevisionPercent ?? 0,
            statuses: service.trafficStatuses ?? []
          }
        : undefined,
    logsUrl: workload ? logsConsoleUrl(workload) : undefined,
    findings: [],
    // Without wait nothing says the revision (or job) came up, so nothing is proven.
    pulled: ctx.config.wait,
    notes
  }
}

/** The traffic that waited for the new revision to be ready: a second, traffic-only update. */
async function moveTraffic(
  ctx: DeployContext,
  api: RunApi,
  service: Service,
  traffic: TrafficTarget[],
  revision: string | undefined
): Promise<Service> {
  core.info(`Revision ${revision} is ready; moving traffic: ${describeTraffic(traffic)}.`)
  const operation = await api.updateTraffic(
    ctx.target.resourceName,
    traffic,
    service.etag ?? undefined
  )
  if (operation?.name) {
    const done = await waitForOperation(ctx, api, operation)
    if (done.error) {
      throw new ActionError(
        `Revision ${revision} is ready, but moving traffic to it failed: ${oneLine(done.error.message ?? '')}`
      )
    }
  }
  return ((await api.get('service', ctx.target.resourceName)) as Service | undefined) ?? service
}

export function describeTraffic(traffic: readonly TrafficTarget[]): string {
  return traffic
    .map(
      t =>
        `${t.type === 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST' ? 'LATEST' : shortName(t.revision)} ${t.percent ?? 0}%` +
        (t.tag ? ` (tag ${t.tag})` : '')
    )
    .join(', ')
}

async function execute(
  ctx: DeployContext,
  api: RunApi,
  started: number
): Promise<string | undefined> {
  const name = ctx.target.resourceName
  core.info(`Running job ${name}.`)
  const operation = await api.runJob(name)
  const metadataName = (operation.metadata as Execution | undefined)?.name ?? undefined
  if (!ctx.config.wait) return metadataName
  const done = operation.name
    ? await waitForOperation(ctx, api, operation, current => {
        const e = current.metadata as Execution | undefined
        return `Execution ${shortName(e?.name) ?? 'pending'}: ${e?.runningCount ?? 0} running, ${e?.succeededCount ?? 0} succeeded, ${e?.failedCount ?? 0} failed`
      })
    : operation
  const executionName = metadataName ?? (done.response as Execution | undefined)?.name ?? undefined
  const result = executionName ? await api.execution(executionName) : undefined
  const counts = `${result?.succeededCount ?? 0} succeeded, ${result?.failedCount ?? 0} failed, ${result?.cancelledCount ?? 0} cancelled of ${result?.taskCount ?? '?'} tasks`
  const completed = result?.conditions?.find(c => c.type === 'Completed')
  core.info(
    `Execution ${shortName(executionName)}: ${counts}.${result?.logUri ? ` Logs: ${result.logUri}` : ''}`
  )
  if (done.error || (result?.failedCount ?? 0) > 0 || completed?.state === 'CONDITION_FAILED') {
    const message = done.error?.message ?? completed?.message ?? 'the execution failed'
    const reason = reasonOf(completed ? [completed] : [])
    const pull = parsePullFailure(message)
    const execution = shortName(executionName)
    const workload = workloadOf(ctx, undefined, execution)
    const logs =
      workload && !pull && !isBeforeStart(reason)
        ? await fetchFailureLogs(ctx.clients.auth, ctx.clients.endpoints.LOGGING, workload, {
            since: new Date(started).toISOString()
          })
        : undefined
    throw new DeployFailure(
      `Execution ${execution} failed (${counts})${reason ? `, ${reason}` : ''}: ${oneLine(message)}` +
        (pull
          ? result?.logUri
            ? ` Logs: ${result.logUri}`
            : ''
          : logLinesForError(logs, result?.logUri ?? undefined)),
      {
        region: ctx.target.region,
        resourceName: name,
        status: 'failed',
        execution: executionName,
        durationMs: clock.now() - started,
        logsUrl: result?.logUri ?? (workload ? logsConsoleUrl(workload) : undefined),
        failure: { reason, message: oneLine(message), logs },
        findings: pull ? [pullFailureFinding(pull, ctx.repository)] : [],
        pulled: !pull && AFTER_PULL.has(reason ?? ''),
        notes: []
      }
    )
  }
  return executionName
}
