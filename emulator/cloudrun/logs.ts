/**
 * What a failing container leaves in Cloud Logging: the lines it printed (the emulator-only marker
 * `EMULATOR_LOG`), then Cloud Run's own system lines. A pure function of the failure's facts.
 *
 * Shapes verified against entries users published (resource types and labels, logName, severity of the
 * exit line, insertId): a `run.googleapis.com%2Fvarlog%2Fsystem` entry of a `cloud_run_revision` with
 * resource labels configuration_name, location, project_id, revision_name, service_name, entry labels
 * instanceId and container_name "<service>-1", severity WARNING, text "Container called exit(3)."; app
 * lines in `run.googleapis.com%2Fstdout`/`%2Fstderr` with an instanceId label and no severity when
 * printed as plain text; the probe line "Default STARTUP TCP probe failed 1 time consecutively for
 * container "worker" on port 8080. The instance was not started." printed after the exit line. Worker
 * pools log as `cloud_run_worker_pool` (worker_pool_name, revision_name, location: gcloud's
 * `run worker-pools revisions logs read`); jobs as `cloud_run_job` (job_name, location, project_id) with
 * entry labels `run.googleapis.com/execution_name` and `run.googleapis.com/task_index` (REFERENCE.md).
 */
import { type LogEntry, rfc3339Micros } from '../logging.js'
import type { Container, KindName } from './kinds.js'

/** The emulator-only env var whose value (lines split on `\n`) a failing container prints. */
export const LOG_MARKER = 'EMULATOR_LOG'

export interface ContainerFailure {
  readonly kind: KindName
  readonly projectId: string
  readonly location: string
  /** The service, worker pool or job id. */
  readonly resourceId: string
  /** Services and worker pools: the revision's short name. */
  readonly revision?: string
  /** Jobs: the execution's short name and how many tasks ran (each one fails). */
  readonly execution?: string
  readonly taskCount?: number
  /** The template's containers, and the indexes of the ones that fail. */
  readonly containers: readonly Container[]
  readonly failing: readonly number[]
  /** When they failed, on the emulator's clock (ms). */
  readonly at: number
  /** The instance's id, the entries' `instanceId` label. */
  readonly instanceId: string
}

const STDOUT = 'run.googleapis.com%2Fstdout'
const SYSTEM = 'run.googleapis.com%2Fvarlog%2Fsystem'

/**
 * ASSUMPTION: an unnamed container is `<resource>-<n>` (n from 1), as "netra-backend-staging-1" and
 * "mbgc-api-1" are in the published entries of single-container services.
 */
export const containerName = (container: Container, index: number, resourceId: string): string =>
  container.name || `${resourceId}-${index + 1}`

/** The lines a container prints: its EMULATOR_LOG value split on `\n` (a final newline ends a line). */
export function printedLines(container: Container): string[] {
  const value = (container.env ?? []).find(e => e.name === LOG_MARKER)?.value
  if (!value) return []
  const lines = value.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

function resourceOf(f: ContainerFailure): NonNullable<LogEntry['resource']> {
  const common = { location: f.location, project_id: f.projectId }
  if (f.kind === 'service') {
    return {
      type: 'cloud_run_revision',
      labels: {
        ...common,
        configuration_name: f.resourceId,
        revision_name: f.revision ?? '',
        service_name: f.resourceId
      }
    }
  }
  if (f.kind === 'workerPool') {
    // ASSUMPTION: project_id, which every monitored resource type carries, is among its labels.
    return {
      type: 'cloud_run_worker_pool',
      labels: { ...common, revision_name: f.revision ?? '', worker_pool_name: f.resourceId }
    }
  }
  return { type: 'cloud_run_job', labels: { ...common, job_name: f.resourceId } }
}

/** The entries of one failure, in the order they were written. */
export function containerFailureEntries(f: ContainerFailure): LogEntry[] {
  const resource = resourceOf(f)
  const entries: LogEntry[] = []
  let micros = Math.round(f.at * 1000)
  const push = (log: string, labels: Record<string, string>, text: string, severity?: string) => {
    const entry: LogEntry = {
      logName: `projects/${f.projectId}/logs/${log}`,
      resource: structuredClone(resource),
      textPayload: text,
      timestamp: rfc3339Micros(micros++),
      labels: { instanceId: f.instanceId, ...labels }
    }
    if (severity) entry.severity = severity
    entries.push(entry)
  }
  // A job's tasks each run the containers; services and worker pools start one instance.
  const tasks = f.kind === 'job' ? Math.max(1, f.taskCount ?? 1) : 1
  for (let task = 0; task < tasks; task++) {
    // ASSUMPTION: only the first attempt is logged (task retries are not modelled).
    const taskLabels: Record<string, string> =
      f.kind === 'job'
        ? {
            'run.googleapis.com/execution_name': f.execution ?? '',
            'run.googleapis.com/task_index': String(task),
            'run.googleapis.com/task_attempt': '0'
          }
        : {}
    for (const index of f.failing) {
      const container = f.containers[index]
      if (!container) continue
      const name = containerName(container, index, f.resourceId)
      for (const line of printedLines(container)) push(STDOUT, taskLabels, line)
      push(SYSTEM, { ...taskLabels, container_name: name }, 'Container called exit(1).', 'WARNING')
    }
  }
  if (f.kind === 'service' && f.failing.length > 0) {
    // The default startup probe is a TCP check of the ingress container (the one with ports).
    const ingress = Math.max(
      0,
      f.containers.findIndex(c => (c.ports ?? []).length > 0)
    )
    const container = f.containers[ingress] ?? {}
    const port = container.ports?.[0]?.containerPort ?? 8080
    // ASSUMPTION: severity ERROR (the success line "Default STARTUP TCP probe succeeded after 1 attempt
    // ..." is INFO).
    push(
      SYSTEM,
      { container_name: containerName(container, ingress, f.resourceId) },
      `Default STARTUP TCP probe failed 1 time consecutively for container ` +
        `"${containerName(container, ingress, f.resourceId)}" on port ${port}. The instance was not started.`,
      'ERROR'
    )
  }
  return entries
}
