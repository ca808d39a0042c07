/**
 * Running a job (`POST .../jobs/ID:run`) and reading its executions. The RunJob operation carries the
 * Execution as metadata and response (job.proto: operation_info metadata_type/response_type Execution)
 * and is done when the execution completes.
 */
import type { EmulatorRequest, EmulatorResponse } from '../core.js'
import { GoogleApiError } from '../core.js'
import {
  type Container,
  type Execution,
  type RunJobRequest,
  JOB,
  OPERATION_TYPE,
  STATE
} from './kinds.js'
import { etagMismatch, notFound } from './messages.js'
import { type CloudRunStore, condition } from './store.js'
import { deepCopy, isObject, newEtag, randomExecutionSuffix, timestamp, uuid } from './util.js'

export function runJob(store: CloudRunStore, req: EmulatorRequest): EmulatorResponse {
  const { name, id, location, raw } = store.named(req, 'jobs')
  store.ctx.authorize(req, 'run.jobs.run', name)
  if (req.body !== undefined && req.body !== null && !isObject(req.body)) {
    throw new GoogleApiError(
      'INVALID_ARGUMENT',
      'Invalid JSON payload received. Expected an object.'
    )
  }
  const request = (req.body ?? {}) as RunJobRequest
  // Overrides need their own permission (roles/run.jobsExecutorWithOverrides holds it).
  if (request.overrides) store.ctx.authorize(req, 'run.jobs.runWithOverrides', name)
  const job = store.jobs.get(name)
  if (!job) throw notFound(id, JOB.label, location, raw)
  if (request.etag && request.etag !== job.etag) throw etagMismatch(name)
  const email = store.principalEmail(req)

  const now = store.ctx.now()
  const at = timestamp(now)
  const executionId = `${id}-${randomExecutionSuffix()}`
  const executionName = `${name}/executions/${executionId}`
  const template = deepCopy(job.template?.template ?? {})
  const overrides = request.overrides
  if (overrides?.timeout) template.timeout = overrides.timeout
  for (const override of overrides?.containerOverrides ?? []) {
    const containers = template.containers ?? []
    const container: Container | undefined =
      containers.find(c => c.name === override.name) ?? (override.name ? undefined : containers[0])
    if (!container) {
      throw new GoogleApiError(
        'INVALID_ARGUMENT',
        `Container override names no container of job ${id}: '${override.name ?? ''}'.`
      )
    }
    // RunJobRequest.Overrides.ContainerOverride: args replace (or clear), env is merged.
    if (override.clearArgs) container.args = []
    else if (override.args?.length) container.args = [...override.args]
    for (const variable of override.env ?? []) {
      const env = container.env ?? []
      const index = env.findIndex(e => e.name === variable.name)
      if (index >= 0) env[index] = { ...variable }
      else env.push({ ...variable })
      container.env = env
    }
  }
  const taskCount = overrides?.taskCount ?? job.template?.taskCount ?? 1
  const { projectId } = store.project(req)
  const execution: Execution = {
    name: executionName,
    uid: uuid(),
    generation: '1',
    labels: deepCopy(job.template?.labels ?? {}),
    annotations: deepCopy(job.template?.annotations ?? {}),
    createTime: at,
    startTime: at,
    creator: email,
    launchStage: job.launchStage ?? 'GA',
    // Execution.job: "The name of the parent Job" (its id, as Cloud Run shows it).
    job: id,
    parallelism: job.template?.parallelism ?? taskCount,
    taskCount,
    template,
    reconciling: true,
    observedGeneration: '1',
    runningCount: taskCount,
    succeededCount: 0,
    failedCount: 0,
    cancelledCount: 0,
    retriedCount: 0,
    // Assumption: the Console log viewer link Cloud Run fills in (shape unverified).
    logUri:
      `https://console.cloud.google.com/logs/viewer?project=${projectId}&advancedFilter=` +
      encodeURIComponent(
        `resource.type="cloud_run_job"\nresource.labels.job_name="${id}"\nresource.labels.location="${location}"\n` +
          `labels."run.googleapis.com/execution_name"="${executionId}"`
      ),
    etag: newEtag(executionName),
    conditions: [
      condition('ResourcesAvailable', STATE.reconciling, at),
      condition('Started', STATE.reconciling, at),
      condition('Completed', STATE.pending, at)
    ]
  }
  const metadata = { '@type': OPERATION_TYPE.execution, ...deepCopy(execution) }
  const operationName = `projects/${projectId}/locations/${location}/operations/${uuid()}`
  if (request.validateOnly) {
    return {
      body: store.addOperation({
        operation: { name: operationName, metadata, done: true, response: metadata },
        doneAt: now,
        kind: 'execution',
        action: 'validate',
        target: executionName,
        settled: true
      })
    }
  }
  store.executions.set(executionName, execution)
  job.executionCount = (job.executionCount ?? 0) + 1
  job.latestCreatedExecution = {
    name: executionName,
    createTime: at,
    completionStatus: 'EXECUTION_RUNNING'
  }
  return {
    body: store.addOperation({
      operation: { name: operationName, metadata, done: false },
      doneAt: now + store.ctx.options.operationDelayMs,
      kind: 'execution',
      action: 'run',
      target: executionName,
      settled: false
    })
  }
}

export function getExecution(store: CloudRunStore, req: EmulatorRequest): EmulatorResponse {
  const { name, location, raw } = store.named(req, 'jobs')
  const executionId = req.params['execution'] ?? ''
  const executionName = `${name}/executions/${executionId}`
  store.ctx.authorize(req, 'run.executions.get', executionName)
  const execution = store.executions.get(executionName)
  if (!execution) throw notFound(executionId, 'EXECUTION', location, raw)
  return { body: deepCopy(execution) }
}

export function listExecutions(store: CloudRunStore, req: EmulatorRequest): EmulatorResponse {
  const { name, id, location, raw } = store.named(req, 'jobs')
  store.ctx.authorize(req, 'run.executions.list', name)
  if (!store.jobs.has(name)) throw notFound(id, JOB.label, location, raw)
  const executions = [...store.executions.values()]
    .filter(e => e.name?.startsWith(`${name}/executions/`))
    // "Results are sorted by creation time, descending" (as ListJobs); assumption for executions.
    .reverse()
  return { body: executions.length ? { executions: executions.map(deepCopy) } : {} }
}
