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
   * Like the create, a PATCH whose answer was lost is not resent blindly: if the resource's etag moved
   * and it now runs our images, the PATCH went through (undefined: the caller waits on the resource);
   * if it moved to something else, that is someone else's change, reported as the 409 it would get.
   */
  async update(
    kind: ResourceKind,
    name: string,
    body: RunResource,
    forceNewRevision = false
  ): Promise<Operation | undefined> {
    const collection = this.#collection(kind)
    const call = `run.${kind}.patch`
    // jobs.patch has neither updateMask nor forceNewRevision (job.proto); a job makes no revisions.
    const patch = () =>
      kind === 'service'
        ? (collection as run_v2.Resource$Projects$Locations$Services).patch({
            name,
            requestBody: body,
            forceNewRevision: forceNewRevision || undefined
          })
        : kind === 'workerPool'
          ? (collection as run_v2.Resource$Projects$Locations$Workerpools).patch({
              name,
              requestBody: body,
              forceNewRevision: forceNewRevision || undefined
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
        if (live && live.etag !== body.etag) {
          if (sameImages(live, body)) return undefined
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

/** The container images a resource runs (a job's live under template.template). */
function images(resource: RunResource): string[] {
  const template = resource.template as
    | {
        containers?: { image?: string | null }[]
        template?: { containers?: { image?: string | null }[] }
      }
    | undefined
  return (template?.containers ?? template?.template?.containers ?? []).map(c => c.image ?? '')
}

const sameImages = (a: RunResource, b: RunResource) =>
  JSON.stringify(images(a)) === JSON.stringify(images(b))
