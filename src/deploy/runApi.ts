/**
 * The Cloud Run Admin API v2 calls a deploy makes, for the three kinds alike. Creates are not retried
 * blindly: a create that may have succeeded is re-read first.
 */
import type { run_v2 } from 'googleapis/build/src/apis/run/v2.js'
import type { ResourceKind } from '../config.js'
import { toGoogleCallError } from '../google/errors.js'
import {
  DEFAULT_RETRY_POLICY,
  isRetryable,
  retryDelayMs,
  waitBeforeRetry,
  withRetry
} from '../google/retry.js'
import type { RunResource } from './spec.js'

export type Operation = run_v2.Schema$GoogleLongrunningOperation

const ID_PARAM = { service: 'serviceId', job: 'jobId', workerPool: 'workerPoolId' } as const

export class RunApi {
  readonly #run: run_v2.Run

  constructor(run: run_v2.Run) {
    this.#run = run
  }

  #collection(kind: ResourceKind) {
    const locations = this.#run.projects.locations
    return kind === 'service'
      ? locations.services
      : kind === 'job'
        ? locations.jobs
        : locations.workerPools
  }

  async get(kind: ResourceKind, name: string): Promise<RunResource | undefined> {
    try {
      const { data } = await withRetry(`run.${kind}.get`, () =>
        this.#collection(kind).get({ name })
      )
      return data
    } catch (thrown) {
      if (toGoogleCallError('', thrown).httpStatus === 404) return undefined
      throw thrown
    }
  }

  /** `name` is the full resource name; parent and id are derived from it. */
  async create(
    kind: ResourceKind,
    name: string,
    body: RunResource
  ): Promise<Operation | undefined> {
    const parent = name.slice(0, name.lastIndexOf('/', name.lastIndexOf('/') - 1))
    const id = name.slice(name.lastIndexOf('/') + 1)
    for (let attempt = 1; ; attempt++) {
      try {
        const params = { parent, [ID_PARAM[kind]]: id, requestBody: body }
        const { data } = await (
          this.#collection(kind).create as (p: typeof params) => Promise<{ data: Operation }>
        )(params)
        return data
      } catch (thrown) {
        const error = toGoogleCallError(`run.${kind}.create`, thrown)
        if (!isRetryable(error) || attempt >= 4) throw error
        // The create may have gone through before the connection failed: look before trying again.
        if (await this.get(kind, name)) return undefined
        // The one policy's backoff, which also honours Retry-After.
        await waitBeforeRetry(error, attempt, retryDelayMs(DEFAULT_RETRY_POLICY, attempt, error))
      }
    }
  }

  /**
   * A full replacement carrying the live etag, so a concurrent change is refused, not overwritten.
   * Like the create, a PATCH whose answer was lost is not resent blindly: the resource is read again, and
   * the PATCH counts as applied only on evidence about the whole intended change (wasApplied); an etag
   * that moved to anything else is someone else's change, reported as the 409 it would get.
   */
  async update(
    kind: ResourceKind,
    name: string,
    body: RunResource,
    before: RunResource
  ): Promise<Operation | undefined> {
    const collection = this.#collection(kind)
    const call = `run.${kind}.patch`
    // jobs.patch has neither updateMask nor forceNewRevision (job.proto); a job makes no revisions.
    const patch = () =>
      kind === 'service'
        ? (collection as run_v2.Resource$Projects$Locations$Services).patch({
            name,
            requestBody: body
          })
        : kind === 'workerPool'
          ? (collection as run_v2.Resource$Projects$Locations$Workerpools).patch({
              name,
              requestBody: body
            })
          : (collection as run_v2.Resource$Projects$Locations$Jobs).patch({
              name,
              requestBody: body
            })
    for (let attempt = 1; ; attempt++) {
      try {
        return (await patch()).data
      } catch (thrown) {
        const error = toGoogleCallError(call, thrown)
        if (!isRetryable(error) || attempt >= DEFAULT_RETRY_POLICY.maxAttempts) throw error
        const live = await this.get(kind, name)
        if (live && live.etag !== before.etag) {
          if (wasApplied(before, body, live)) return undefined
          throw toGoogleCallError(call, {
            response: {
              status: 409,
              data: { error: { code: 409, status: 'ABORTED', message: 'etag mismatch' } }
            }
          })
        }
        await waitBeforeRetry(error, attempt, retryDelayMs(DEFAULT_RETRY_POLICY, attempt, error))
      }
    }
  }

  /**
   * A traffic-only update (services.patch with updateMask=traffic), guarded by the etag. Like update, a
   * PATCH whose answer was lost is not resent blindly: the service is read again, and if it now carries
   * exactly the traffic sent, the update landed (undefined: nothing left to wait for but the service).
   */
  async updateTraffic(
    name: string,
    traffic: run_v2.Schema$GoogleCloudRunV2TrafficTarget[],
    etag: string | undefined
  ): Promise<Operation | undefined> {
    const call = 'run.service.patch'
    for (let attempt = 1; ; attempt++) {
      try {
        const { data } = await this.#run.projects.locations.services.patch({
          name,
          updateMask: 'traffic',
          requestBody: { traffic, ...(etag ? { etag } : {}) }
        })
        return data
      } catch (thrown) {
        const error = toGoogleCallError(call, thrown)
        if (!isRetryable(error) || attempt >= DEFAULT_RETRY_POLICY.maxAttempts) throw error
        const live = (await this.get('service', name)) as run_v2.Schema$GoogleCloudRunV2Service
        if (live && live.etag !== etag) {
          if (contains(live.traffic, traffic)) return undefined
          throw toGoogleCallError(call, {
            response: {
              status: 409,
              data: { error: { code: 409, status: 'ABORTED', message: 'etag mismatch' } }
            }
          })
        }
        await waitBeforeRetry(error, attempt, retryDelayMs(DEFAULT_RETRY_POLICY, attempt, error))
      }
    }
  }

  operation(name: string): Promise<Operation> {
    return withRetry(
      'run.operations.get',
      async () => (await this.#run.projects.locations.operations.get({ name })).data
    )
  }

  /** Best effort server-side wait: it may return before the operation is done (REFERENCE.md). */
  waitOperation(name: string, timeoutSeconds: number): Promise<Operation> {
    return withRetry('run.operations.wait', async () => {
      const { data } = await this.#run.projects.locations.operations.wait({
        name,
        requestBody: { timeout: `${Math.max(1, Math.round(timeoutSeconds))}s` }
      })
      return data
    })
  }

  async runJob(name: string): Promise<Operation> {
    try {
      // Not retried: a second run would start a second execution.
      const { data } = await this.#run.projects.locations.jobs.run({ name, requestBody: {} })
      return data
    } catch (thrown) {
      throw toGoogleCallError('run.jobs.run', thrown)
    }
  }

  execution(name: string): Promise<run_v2.Schema$GoogleCloudRunV2Execution> {
    return withRetry(
      'run.executions.get',
      async () => (await this.#run.projects.locations.jobs.executions.get({ name })).data
    )
  }
}

/**
 * Evidence that a PATCH whose answer was lost went through: exactly one write happened since the read
 * (generation + 1), and what is there now is what was sent — for a service or worker pool, the template
 * names the revision this deploy chose, a name no one else uses; for any kind, every field sent is read
 * back with the same value (the server may add defaults, never change what was asked).
 */
export function wasApplied(before: RunResource, sent: RunResource, now: RunResource): boolean {
  const nextGeneration = String(Number(before.generation ?? 0) + 1)
  if (String(now.generation ?? '') !== nextGeneration) return false
  const revision = (sent as { template?: { revision?: string | null } }).template?.revision
  if (
    revision &&
    (now as { template?: { revision?: string | null } }).template?.revision !== revision
  ) {
    return false
  }
  const { etag: _etag, ...fields } = sent as Record<string, unknown>
  return contains(now, fields)
}

/** Whether `whole` holds every value of `part`, objects compared key by key, lists item by item. */
function contains(whole: unknown, part: unknown): boolean {
  if (part === null || part === undefined) return true
  if (Array.isArray(part)) {
    return (
      Array.isArray(whole) &&
      whole.length === part.length &&
      part.every((item, i) => contains(whole[i], item))
    )
  }
  if (typeof part === 'object') {
    if (typeof whole !== 'object' || whole === null || Array.isArray(whole)) return false
    return Object.entries(part).every(([key, value]) =>
      contains((whole as Record<string, unknown>)[key], value)
    )
  }
  return whole === part
}
