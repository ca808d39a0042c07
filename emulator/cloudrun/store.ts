/**
 * Cloud Run's state and its reconciliation: the resources, their revisions and executions, and the
 * long-running operations that finish deploys and runs. Operations finish lazily: `settle()` completes
 * every operation whose time has come, in order, whenever the model is touched, so no timers run.
 */
import { randomBytes } from 'node:crypto'
import type { EmulatorContext, EmulatorRequest, ProjectInfo } from '../core.js'
import { GoogleApiError } from '../core.js'
import type { LogEntry } from '../logging.js'
import {
  type Condition,
  type Container,
  type Execution,
  type Job,
  type KindName,
  type KindSpec,
  type Operation,
  type Revision,
  type Service,
  type WorkerPool,
  type Workload,
  JOB,
  OPERATION_TYPE,
  SERVICE,
  SPLIT_LATEST,
  STATE,
  TRAFFIC_LATEST,
  TRAFFIC_REVISION,
  WORKER_POOL
} from './kinds.js'
import {
  FAILED_OPERATION_CODE,
  RPC_CODE,
  containerFailedToStartText,
  imageNotFoundText,
  missingTrafficRevisionText,
  notFound,
  revisionNotReadyPrefix,
  servicePullDeniedText,
  taskFailedText,
  workerPoolContainerFailedText
} from './messages.js'
import { type ContainerFailure, containerFailureEntries } from './logs.js'
import { missingSplitRevisions } from './rules.js'
import { deepCopy, emailOf, getPath, timestamp } from './util.js'

/** The emulator-only marker a container carries to simulate a failure (see emulator/cloudrun.ts). */
export const FAIL_MARKER = 'EMULATOR_FAIL'

export interface OperationRecord {
  /** What GET operations answers (deep-copied out). */
  operation: Operation
  readonly doneAt: number
  readonly kind: KindName | 'execution'
  readonly action: 'deploy' | 'delete' | 'run' | 'validate'
  /** Full name of the resource (or execution) the operation acts on. */
  readonly target: string
  /** The resource's generation this operation deploys; a later deploy supersedes it. */
  readonly generation?: string | undefined
  /** Full name of the revision this deploy starts, if any. */
  readonly revision?: string | undefined
  settled: boolean
}

/** Why a revision or execution did not start. */
interface StartFailure {
  readonly reason?: 'CONTAINER_PERMISSION_DENIED' | 'CONTAINER_MISSING'
  readonly revisionReason?: 'HEALTH_CHECK_CONTAINER_ERROR'
  readonly executionReason?: 'NON_ZERO_EXIT_CODE'
  /** The revision-level (or job-level) message, without the service's "Revision ... not ready" prefix. */
  readonly message: string
  /** Indexes of the containers that started and exited (the EMULATOR_FAIL marker); they left logs. */
  readonly failing?: readonly number[]
}

/** Where the model writes the log entries its containers leave (Cloud Logging, emulator/logging.ts). */
export interface LogSink {
  write(entries: readonly LogEntry[], writtenAt?: number): unknown
}

export interface ResourceName {
  readonly project: string
  readonly location: string
  readonly collection: string
  readonly id: string
}

/** `projects/P/locations/L/COLLECTION/ID[/...]` → its parts (P as written). */
export function parseName(name: string): ResourceName {
  const match = /^projects\/([^/]+)\/locations\/([^/]+)\/([^/]+)\/([^/]+)/.exec(name)
  if (!match?.[1] || !match[2] || !match[3] || !match[4]) {
    throw new GoogleApiError('INVALID_ARGUMENT', `Invalid resource name: ${name}`)
  }
  return { project: match[1], location: match[2], collection: match[3], id: match[4] }
}

export const lastSegment = (name: string): string => name.slice(name.lastIndexOf('/') + 1)

export const serviceAgentEmail = (projectNumber: string): string =>
  `service-${projectNumber}@serverless-robot-prod.iam.gserviceaccount.com`

/**
 * REFERENCE.md: an unset runtime service account means the project's default compute service account
 * (`PROJECT_NUMBER-compute@developer.gserviceaccount.com`; unverified in Cloud Run's own docs).
 */
export const defaultComputeServiceAccount = (projectNumber: string): string =>
  `${projectNumber}-compute@developer.gserviceaccount.com`

export function condition(
  type: string,
  state: string,
  at: string,
  extra: Partial<Condition> = {}
): Condition {
  return { type, state, lastTransitionTime: at, ...extra }
}

export class CloudRunStore {
  readonly services = new Map<string, Service>()
  readonly jobs = new Map<string, Job>()
  readonly workerPools = new Map<string, WorkerPool>()
  readonly revisions = new Map<string, Revision>()
  readonly executions = new Map<string, Execution>()
  readonly operations = new Map<string, OperationRecord>()

  constructor(
    readonly ctx: EmulatorContext,
    private readonly logs?: LogSink
  ) {}

  workloads(spec: KindSpec): Map<string, Workload> {
    if (spec.kind === 'service') return this.services
    if (spec.kind === 'job') return this.jobs
    return this.workerPools
  }

  /**
   * The project a request names (ID or number). An unknown project must still answer 403 to a caller
   * without access, as Google does, so the lookup failure is only raised after authorization.
   */
  project(req: EmulatorRequest): { info: ProjectInfo | undefined; projectId: string } {
    const raw = req.params['project'] ?? ''
    try {
      const info = this.ctx.project(raw)
      return { info, projectId: info.projectId }
    } catch {
      return { info: undefined, projectId: raw }
    }
  }

  /**
   * The canonical name of the `collection` item a request addresses (`projects/ID/locations/L/C/ID`,
   * the project spelt as its ID even when the request used the number), with the parts messages need.
   */
  named(
    req: EmulatorRequest,
    collection: string
  ): { name: string; id: string; location: string; raw: string } {
    const { projectId } = this.project(req)
    const location = req.params['location'] ?? ''
    const id = req.params['id'] ?? ''
    return {
      name: `projects/${projectId}/locations/${location}/${collection}/${id}`,
      id,
      location,
      raw: req.params['project'] ?? ''
    }
  }

  /** The project after authorization: now an unknown one is the emulator's NOT_FOUND. */
  requireProject(found: ProjectInfo | undefined, raw: string): ProjectInfo {
    return found ?? this.ctx.project(raw)
  }

  /** A name with its project spelled as the project ID, the form resources are stored under. */
  canonical(name: string): string {
    const match = /^projects\/([^/]+)\/(.*)$/.exec(name)
    if (!match?.[1]) return name
    try {
      return `projects/${this.ctx.project(match[1]).projectId}/${match[2] ?? ''}`
    } catch {
      return name
    }
  }

  principalEmail(req: EmulatorRequest): string {
    if (req.principal) return emailOf(req.principal)
    throw new GoogleApiError(
      'UNAUTHENTICATED',
      'Request is missing required authentication credential.'
    )
  }

  /** Adds an operation; `doneAt` now means it is already complete (validateOnly). */
  addOperation(record: OperationRecord): Operation {
    const name = record.operation.name ?? ''
    this.operations.set(name, record)
    return deepCopy(record.operation)
  }

  /** Completes, in time order, every operation whose delay has passed. */
  settle(): void {
    const now = this.ctx.now()
    const due = [...this.operations.values()]
      .filter(record => !record.settled && record.doneAt <= now)
      .sort((a, b) => a.doneAt - b.doneAt)
    for (const record of due) {
      record.settled = true
      const at = timestamp(record.doneAt)
      if (record.action === 'deploy') this.completeDeploy(record, at)
      else if (record.action === 'run') this.completeExecution(record, at)
      // A delete answers with the deleted resource (operation_info response_type is the resource).
      else
        record.operation = { ...record.operation, done: true, response: record.operation.metadata }
    }
  }

  // ---- deploys -------------------------------------------------------------------------------

  private completeDeploy(record: OperationRecord, at: string): void {
    const spec = record.kind === 'job' ? JOB : record.kind === 'workerPool' ? WORKER_POOL : SERVICE
    const resource = this.workloads(spec).get(record.target)
    if (!resource) {
      // Deleted while deploying.
      const { id, location, project } = parseName(record.target)
      const error = notFound(id, spec.label, location, project)
      record.operation = {
        ...record.operation,
        done: true,
        error: { code: RPC_CODE.NOT_FOUND, message: error.message }
      }
      return
    }
    const current = resource.generation === record.generation
    const failure =
      spec.kind === 'job'
        ? this.completeJobDeploy(resource as Job, current, at)
        : this.completeRevisionDeploy(spec, resource as Service | WorkerPool, record, current, at)
    const snapshot = { '@type': spec.typeUrl, ...deepCopy(resource) }
    record.operation = failure
      ? {
          ...record.operation,
          metadata: snapshot,
          done: true,
          error: { code: FAILED_OPERATION_CODE, message: failure }
        }
      : { ...record.operation, metadata: snapshot, done: true, response: snapshot }
  }

  /** Starts the deploy's revision; returns the operation's error message when it fails. */
  private completeRevisionDeploy(
    spec: KindSpec,
    resource: Service | WorkerPool,
    record: OperationRecord,
    current: boolean,
    at: string
  ): string | undefined {
    const revisionName = record.revision ?? resource.latestCreatedRevision ?? undefined
    const revision = revisionName ? this.revisions.get(revisionName) : undefined
    if (!revision || !revisionName) return undefined
    const { project, location, id } = parseName(revisionName)
    const info = this.ctx.project(project)
    const short = lastSegment(revisionName)
    // A revision that already serves keeps serving: its image was pulled when it started.
    const failure = isReady(revision)
      ? undefined
      : this.startContainers(revision.containers ?? [], info, 'start', () =>
          spec.kind === 'service'
            ? containerFailedToStartText(info.projectId, id, short, portOf(revision.containers))
            : workerPoolContainerFailedText()
        )
    this.logFailure({
      kind: spec.kind,
      projectId: info.projectId,
      location,
      resourceId: id,
      revision: short,
      containers: revision.containers ?? [],
      failing: failure?.failing ?? [],
      at: record.doneAt
    })
    revision.reconciling = false
    revision.observedGeneration = revision.generation ?? '1'
    revision.conditions = failure
      ? [
          condition('Ready', STATE.failed, at, failureFields(failure)),
          condition('ContainerHealthy', STATE.failed, at, failureFields(failure))
        ]
      : [
          condition('Ready', STATE.succeeded, at),
          condition('ContainerHealthy', STATE.succeeded, at),
          condition('ResourcesAvailable', STATE.succeeded, at)
        ]
    // A superseded deploy may still make its revision the ready one, unless a newer revision exists.
    if (!failure && (current || resource.latestCreatedRevision === revisionName)) {
      resource.latestReadyRevision = revisionName
    }
    // Verified: a service's failure reads "Revision 'R' is not ready and cannot serve traffic. <why>".
    const message = failure ? revisionNotReadyPrefix(short) + failure.message : undefined
    if (!current) return message
    if (!failure) {
      const routeFailure = this.missingRoute(spec, resource)
      if (routeFailure) return this.failRoutes(resource, routeFailure, at)
    }

    // Service.reconciling (service.proto): on failure, observedGeneration, latestReadyRevision and the
    // traffic keep the state of the last serving revision (or stay empty for a new service).
    resource.reconciling = false
    const fields = failure ? { ...failureFields(failure), message } : {}
    if (!failure) resource.observedGeneration = resource.generation ?? null
    resource.terminalCondition = condition(
      'Ready',
      failure ? STATE.failed : STATE.succeeded,
      at,
      fields
    )
    const serving = Boolean(resource.latestReadyRevision)
    resource.conditions = [
      condition('RoutesReady', serving ? STATE.succeeded : STATE.failed, at, serving ? {} : fields),
      condition('ConfigurationsReady', failure ? STATE.failed : STATE.succeeded, at, fields)
    ]
    if (spec.kind === 'service') {
      const service = resource as Service
      service.trafficStatuses = trafficStatuses(service, info.projectNumber, location)
    } else {
      const pool = resource as WorkerPool
      pool.instanceSplitStatuses = pool.latestReadyRevision
        ? (pool.instanceSplits ?? [{ type: SPLIT_LATEST, percent: 100 }]).map(split => ({
            ...split
          }))
        : []
    }
    return message
  }

  /**
   * The first revision the traffic (or instance splits) names that does not exist now: Cloud Run
   * accepts such a deploy and fails it when it routes (missingTrafficRevisionText).
   */
  private missingRoute(spec: KindSpec, resource: Service | WorkerPool): string | undefined {
    const prefix = `${resource.name ?? ''}/revisions/`
    const existing = new Set(
      [...this.revisions.keys()].filter(n => n.startsWith(prefix)).map(n => n.slice(prefix.length))
    )
    const [missing] = missingSplitRevisions(spec, resource, existing)
    return missing === undefined ? undefined : missingTrafficRevisionText(missing)
  }

  /**
   * The configuration is fine (its revision, if any, is ready) but the routes are not: the resource
   * fails with the routing message and keeps serving as it did (its traffic statuses stay).
   */
  private failRoutes(resource: Service | WorkerPool, message: string, at: string): string {
    resource.reconciling = false
    resource.terminalCondition = condition('Ready', STATE.failed, at, { message })
    resource.conditions = [
      condition('RoutesReady', STATE.failed, at, { message }),
      condition('ConfigurationsReady', STATE.succeeded, at)
    ]
    return message
  }

  /** A job becomes ready once Cloud Run could read its images (jobs start no container on deploy). */
  private completeJobDeploy(job: Job, current: boolean, at: string): string | undefined {
    const { project } = parseName(job.name ?? '')
    const info = this.ctx.project(project)
    const containers = job.template?.template?.containers ?? []
    const failure = this.pullAll(containers, info)
    if (!current) return failure?.message
    job.reconciling = false
    if (failure) {
      // Job.reconciling: on failure observedGeneration keeps the last good state (job.proto).
      job.terminalCondition = condition('Ready', STATE.failed, at, failureFields(failure))
      job.conditions = []
      return failure.message
    }
    job.observedGeneration = job.generation ?? null
    job.terminalCondition = condition('Ready', STATE.succeeded, at)
    job.conditions = []
    return undefined
  }

  // ---- executions ----------------------------------------------------------------------------

  private completeExecution(record: OperationRecord, at: string): void {
    const execution = this.executions.get(record.target)
    if (!execution) {
      record.operation = { ...record.operation, done: true }
      return
    }
    const { project, location, id: jobId } = parseName(record.target)
    const info = this.ctx.project(project)
    const taskCount = execution.taskCount ?? 1
    const short = lastSegment(record.target)
    const failure = this.startContainers(execution.template?.containers ?? [], info, 'task', () =>
      taskFailedText(`${short}-task0`)
    )
    this.logFailure({
      kind: 'job',
      projectId: info.projectId,
      location,
      resourceId: jobId,
      execution: short,
      taskCount,
      containers: execution.template?.containers ?? [],
      failing: failure?.failing ?? [],
      at: record.doneAt
    })
    execution.reconciling = false
    execution.observedGeneration = execution.generation ?? '1'
    execution.runningCount = 0
    execution.completionTime = at
    execution.succeededCount = failure ? 0 : taskCount
    execution.failedCount = failure ? taskCount : 0
    execution.conditions = [
      condition(
        'ResourcesAvailable',
        failure?.reason ? STATE.failed : STATE.succeeded,
        at,
        failure?.reason ? failureFields(failure) : {}
      ),
      condition('Started', failure?.reason ? STATE.failed : STATE.succeeded, at),
      condition(
        'Completed',
        failure ? STATE.failed : STATE.succeeded,
        at,
        failure ? failureFields(failure) : {}
      )
    ]
    const job = this.jobs.get(record.target.replace(/\/executions\/[^/]+$/, ''))
    if (job && job.latestCreatedExecution?.name === execution.name) {
      job.latestCreatedExecution = {
        ...job.latestCreatedExecution,
        completionTime: at,
        completionStatus: failure ? 'EXECUTION_FAILED' : 'EXECUTION_SUCCEEDED'
      }
    }
    const snapshot = { '@type': OPERATION_TYPE.execution, ...deepCopy(execution) }
    // Assumption: a failed execution fails its RunJob operation with the same code as failed deploys.
    record.operation = failure
      ? {
          ...record.operation,
          metadata: snapshot,
          done: true,
          error: { code: FAILED_OPERATION_CODE, message: failure.message }
        }
      : { ...record.operation, metadata: snapshot, done: true, response: snapshot }
  }

  // ---- starting containers -------------------------------------------------------------------

  /**
   * Cloud Run's service agent pulls every image, then the containers start. The pull is evaluated now,
   * when the revision or execution starts, so IAM propagation delay counts.
   */
  private startContainers(
    containers: readonly Container[],
    info: ProjectInfo,
    marker: 'start' | 'task',
    failureMessage: () => string
  ): StartFailure | undefined {
    const pulled = this.pullAll(containers, info)
    if (pulled) return pulled
    // `start` fails anything that starts a container; `task` fails only job tasks.
    const failing = containers.flatMap((c, index) =>
      (c.env ?? []).some(e => e.name === FAIL_MARKER && (e.value === marker || e.value === 'start'))
        ? [index]
        : []
    )
    if (failing.length === 0) return undefined
    return marker === 'task'
      ? { executionReason: 'NON_ZERO_EXIT_CODE', message: failureMessage(), failing }
      : { revisionReason: 'HEALTH_CHECK_CONTAINER_ERROR', message: failureMessage(), failing }
  }

  /** The containers that exited print their lines, then Cloud Run its own (logs.ts). */
  private logFailure(facts: Omit<ContainerFailure, 'instanceId'>): void {
    if (!this.logs || facts.failing.length === 0) return
    // Instance ids are long opaque hex strings in Cloud Run's entries.
    const instanceId = `00${randomBytes(48).toString('hex')}`
    this.logs.write(containerFailureEntries({ ...facts, instanceId }), facts.at)
  }

  private pullAll(containers: readonly Container[], info: ProjectInfo): StartFailure | undefined {
    const agent = serviceAgentEmail(info.projectNumber)
    for (const container of containers) {
      const image = container.image ?? ''
      const result = this.ctx.pullImage(`serviceAccount:${agent}`, image)
      if (result.ok) continue
      if (result.reason === 'not-found') {
        return { reason: 'CONTAINER_MISSING', message: imageNotFoundText(image) }
      }
      return {
        reason: 'CONTAINER_PERMISSION_DENIED',
        message: servicePullDeniedText(agent, {
          image,
          imageProject: result.imageProject,
          targetProject: info.projectId,
          manifestUrl: result.manifestUrl,
          registryBody: result.registryBody
        })
      }
    }
    return undefined
  }
}

function failureFields(failure: StartFailure): Partial<Condition> {
  const fields: Partial<Condition> = { message: failure.message }
  if (failure.reason) fields.reason = failure.reason
  if (failure.revisionReason) fields.revisionReason = failure.revisionReason
  if (failure.executionReason) fields.executionReason = failure.executionReason
  return fields
}

export function isReady(resource: { conditions?: Condition[] | null }): boolean {
  return (resource.conditions ?? []).some(c => c.type === 'Ready' && c.state === STATE.succeeded)
}

function portOf(containers: readonly Container[] | null | undefined): number {
  return containers?.[0]?.ports?.[0]?.containerPort ?? 8080
}

/** `https://SERVICE-PROJECT_NUMBER.REGION.run.app`: Cloud Run's deterministic URL. */
export function serviceUri(
  id: string,
  projectNumber: string,
  location: string,
  tag?: string
): string {
  return `https://${tag ? `${tag}---` : ''}${id}-${projectNumber}.${location}.run.app`
}

/** The traffic actually served: empty until some revision is ready. */
export function trafficStatuses(
  service: Service,
  projectNumber: string,
  location: string
): NonNullable<Service['trafficStatuses']> {
  if (!service.latestReadyRevision) return []
  const id = lastSegment(service.name ?? '')
  const targets = service.traffic?.length
    ? service.traffic
    : [{ type: TRAFFIC_LATEST, percent: 100 }]
  return targets.map(target => {
    const type = target.type ?? (target.revision ? TRAFFIC_REVISION : TRAFFIC_LATEST)
    const status: NonNullable<Service['trafficStatuses']>[number] = {
      type,
      percent: target.percent ?? 0
    }
    if (type === TRAFFIC_REVISION && target.revision) status.revision = target.revision
    if (target.tag) {
      status.tag = target.tag
      status.uri = serviceUri(id, projectNumber, location, target.tag)
    }
    return status
  })
}

export function containersOf(spec: KindSpec, resource: Workload): Container[] {
  const containers = getPath(resource, spec.containersPath)
  return Array.isArray(containers) ? (containers as Container[]) : []
}
