/**
 * CloudRunModel: Cloud Run Admin API v2 as the emulator serves it (routes) and as tests inspect it.
 * See emulator/cloudrun.ts for the behaviour summary and the emulator-only markers.
 */
import type {
  EmulatorContext,
  EmulatorRequest,
  EmulatorResponse,
  Route,
  Scenario
} from '../core.js'
import { getExecution, listExecutions, runJob } from './executions.js'
import {
  type Execution,
  type Job,
  type KindSpec,
  type Operation,
  type Revision,
  type Service,
  type WorkerPool,
  type Workload,
  JOB,
  SERVICE,
  WORKER_POOL
} from './kinds.js'
import { notFound } from './messages.js'
import { getOperation, listOperations, waitOperation } from './operations.js'
import { CloudRunStore, type LogSink, parseName } from './store.js'
import { deepCopy, newEtag, timestamp } from './util.js'
import {
  createWorkload,
  deleteWorkload,
  getWorkload,
  listWorkloads,
  patchWorkload
} from './workloads.js'
import { seedWorkload } from './seed.js'

const LOCATION = '/v2/projects/(?<project>[^/]+)/locations/(?<location>[^/]+)'

export class CloudRunModel {
  private readonly store: CloudRunStore
  /** Out-of-band changes armed by changeBeforeNextPatch, by canonical resource name. */
  private readonly pendingChanges = new Map<string, (resource: Workload) => void>()

  /**
   * `logs`: Cloud Logging (emulator/logging.ts), where failing containers leave their lines; it
   * settles this model before it answers, since operations finish lazily.
   */
  constructor(
    ctx: EmulatorContext,
    scenario: Scenario,
    logs?: LogSink & { onRead(settle: () => void): void }
  ) {
    this.store = new CloudRunStore(ctx, logs)
    logs?.onRead(() => this.store.settle())
    for (const service of scenario.services ?? []) seedWorkload(this.store, SERVICE, service)
    for (const job of scenario.jobs ?? []) seedWorkload(this.store, JOB, job)
    for (const pool of scenario.workerPools ?? []) seedWorkload(this.store, WORKER_POOL, pool)
  }

  routes(): Route[] {
    const store = this.store
    // Every request first finishes the operations whose time has come, so reads see their outcome.
    const settled =
      (handler: (req: EmulatorRequest) => EmulatorResponse | Promise<EmulatorResponse>) =>
      (req: EmulatorRequest) => {
        store.settle()
        return handler(req)
      }
    const workloadRoutes = (spec: KindSpec): Route[] => {
      const collection = `${LOCATION}/${spec.collection}`
      const item = `${collection}/(?<id>[^/:]+)`
      const routes: Route[] = [
        {
          method: 'POST',
          pattern: new RegExp(`^${collection}$`),
          name: `${spec.routePrefix}.create`,
          mutating: true,
          handler: settled(req => createWorkload(store, spec, req))
        },
        {
          method: 'GET',
          pattern: new RegExp(`^${collection}$`),
          name: `${spec.routePrefix}.list`,
          handler: settled(req => listWorkloads(store, spec, req))
        },
        {
          method: 'GET',
          pattern: new RegExp(`^${item}$`),
          name: `${spec.routePrefix}.get`,
          handler: settled(req => getWorkload(store, spec, req))
        },
        {
          method: 'PATCH',
          pattern: new RegExp(`^${item}$`),
          name: `${spec.routePrefix}.patch`,
          mutating: true,
          handler: settled(req => {
            this.applyPendingChange(spec, req)
            return patchWorkload(store, spec, req)
          })
        },
        {
          // Any caller may ask what it holds on a resource (google.iam.v1.IAMPolicy.TestIamPermissions).
          method: 'POST',
          pattern: new RegExp(`^${item}:testIamPermissions$`),
          name: `${spec.routePrefix}.testIamPermissions`,
          handler: settled(req => this.testPermissionsRoute(spec, req))
        },
        {
          method: 'DELETE',
          pattern: new RegExp(`^${item}$`),
          name: `${spec.routePrefix}.delete`,
          mutating: true,
          handler: settled(req => deleteWorkload(store, spec, req))
        }
      ]
      if (spec.hasRevisions) {
        routes.push(
          {
            method: 'GET',
            pattern: new RegExp(`^${item}/revisions$`),
            name: `${spec.routePrefix}.revisions.list`,
            handler: settled(req => this.listRevisionsRoute(spec, req))
          },
          {
            method: 'GET',
            pattern: new RegExp(`^${item}/revisions/(?<revision>[^/:]+)$`),
            name: `${spec.routePrefix}.revisions.get`,
            handler: settled(req => this.getRevisionRoute(spec, req))
          }
        )
      }
      return routes
    }
    const jobItem = `${LOCATION}/jobs/(?<id>[^/:]+)`
    const operations = `${LOCATION}/operations`
    return [
      ...workloadRoutes(SERVICE),
      ...workloadRoutes(JOB),
      ...workloadRoutes(WORKER_POOL),
      {
        method: 'POST',
        pattern: new RegExp(`^${jobItem}:run$`),
        name: 'run.jobs.run',
        mutating: true,
        handler: settled(req => runJob(store, req))
      },
      {
        method: 'GET',
        pattern: new RegExp(`^${jobItem}/executions$`),
        name: 'run.jobs.executions.list',
        handler: settled(req => listExecutions(store, req))
      },
      {
        method: 'GET',
        pattern: new RegExp(`^${jobItem}/executions/(?<execution>[^/:]+)$`),
        name: 'run.jobs.executions.get',
        handler: settled(req => getExecution(store, req))
      },
      {
        method: 'GET',
        pattern: new RegExp(`^${operations}$`),
        name: 'run.operations.list',
        handler: settled(req => listOperations(store, req))
      },
      {
        method: 'GET',
        pattern: new RegExp(`^${operations}/(?<id>[^/:]+)$`),
        name: 'run.operations.get',
        handler: settled(req => getOperation(store, req))
      },
      {
        method: 'POST',
        pattern: new RegExp(`^${operations}/(?<id>[^/:]+):wait$`),
        name: 'run.operations.wait',
        handler: settled(req => waitOperation(store, req))
      }
    ]
  }

  // ---- revisions (services and worker pools) -------------------------------------------------

  /**
   * The subset of the requested permissions the caller holds on the resource, inherited ones included.
   * Assumption: a resource that does not exist answers 404, as its get does.
   */
  private testPermissionsRoute(spec: KindSpec, req: EmulatorRequest): EmulatorResponse {
    const { name, id, location, raw } = this.store.named(req, spec.collection)
    if (!req.principal) this.store.ctx.authorize(req, `${spec.permission}.get`, name)
    if (!this.store.workloads(spec).has(name)) throw notFound(id, spec.label, location, raw)
    const asked = (req.body as { permissions?: unknown } | undefined)?.permissions
    const permissions = Array.isArray(asked)
      ? asked.filter((p): p is string => typeof p === 'string')
      : []
    const held = permissions.filter(p => this.store.ctx.hasPermission(req.principal ?? '', p, name))
    // proto3 JSON omits an empty repeated field.
    return { body: held.length ? { permissions: held } : {} }
  }

  private getRevisionRoute(spec: KindSpec, req: EmulatorRequest): EmulatorResponse {
    const { name, location, raw } = this.store.named(req, spec.collection)
    const short = req.params['revision'] ?? ''
    const revisionName = `${name}/revisions/${short}`
    // Assumption: worker-pool revisions use the same run.revisions.* permissions as service revisions.
    this.store.ctx.authorize(req, 'run.revisions.get', revisionName)
    const revision = this.store.revisions.get(revisionName)
    if (!revision) throw notFound(short, 'REVISION', location, raw)
    return { body: deepCopy(revision) }
  }

  private listRevisionsRoute(spec: KindSpec, req: EmulatorRequest): EmulatorResponse {
    const { name, id, location, raw } = this.store.named(req, spec.collection)
    this.store.ctx.authorize(req, 'run.revisions.list', name)
    if (!this.store.workloads(spec).has(name)) throw notFound(id, spec.label, location, raw)
    const revisions = [...this.store.revisions.values()]
      .filter(r => r.name?.startsWith(`${name}/revisions/`))
      .reverse()
      .map(deepCopy)
    return { body: revisions.length ? { revisions } : {} }
  }

  // ---- inspection for tests ------------------------------------------------------------------

  /** Finishes the operations whose time has come (every route and getter does this first). */
  settle(): void {
    this.store.settle()
  }

  getService(name: string): Service | undefined {
    return this.read(this.store.services, name)
  }

  getJob(name: string): Job | undefined {
    return this.read(this.store.jobs, name)
  }

  getWorkerPool(name: string): WorkerPool | undefined {
    return this.read(this.store.workerPools, name)
  }

  getRevision(name: string): Revision | undefined {
    return this.read(this.store.revisions, name)
  }

  /** The revisions of a service or worker pool (full name), oldest first. */
  listRevisions(parent: string): Revision[] {
    this.store.settle()
    const prefix = `${this.store.canonical(parent)}/revisions/`
    return [...this.store.revisions.values()].filter(r => r.name?.startsWith(prefix)).map(deepCopy)
  }

  getExecution(name: string): Execution | undefined {
    return this.read(this.store.executions, name)
  }

  /** The executions of a job (full name), oldest first. */
  listExecutions(job: string): Execution[] {
    this.store.settle()
    const prefix = `${this.store.canonical(job)}/executions/`
    return [...this.store.executions.values()].filter(e => e.name?.startsWith(prefix)).map(deepCopy)
  }

  getOperation(name: string): Operation | undefined {
    this.store.settle()
    const record = this.store.operations.get(this.store.canonical(name))
    return record ? deepCopy(record.operation) : undefined
  }

  /** Every operation so far, in the order they were started (validateOnly ones included, done). */
  listOperations(): Operation[] {
    this.store.settle()
    return [...this.store.operations.values()].map(r => deepCopy(r.operation))
  }

  /** Adds or replaces a resource as a scenario seed would (output-only fields filled in, ready). */
  putService(service: Service): void {
    seedWorkload(this.store, SERVICE, service)
  }

  putJob(job: Job): void {
    seedWorkload(this.store, JOB, job)
  }

  putWorkerPool(pool: WorkerPool): void {
    seedWorkload(this.store, WORKER_POOL, pool)
  }

  /**
   * Another writer changes the resource out of band (a concurrent deploy, the Console): `fn` edits a
   * copy, then the generation and etag move on, so a client's read-modify-write with the old etag fails.
   */
  mutateService(name: string, fn: (service: Service) => void): Service {
    return this.mutate(SERVICE, name, fn as (resource: Workload) => void) as Service
  }

  mutateJob(name: string, fn: (job: Job) => void): Job {
    return this.mutate(JOB, name, fn as (resource: Workload) => void) as Job
  }

  mutateWorkerPool(name: string, fn: (pool: WorkerPool) => void): WorkerPool {
    return this.mutate(WORKER_POOL, name, fn as (resource: Workload) => void) as WorkerPool
  }

  /**
   * Arms another writer's change (`fn`, as mutateService) to land just before the next PATCH of `name`
   * is evaluated: after the client read the resource and before its write, the race an etag exists to
   * catch (AIP-154), made deterministic for tests.
   */
  changeBeforeNextPatch(name: string, fn: (resource: Workload) => void): void {
    this.pendingChanges.set(this.store.canonical(name), fn)
  }

  private applyPendingChange(spec: KindSpec, req: EmulatorRequest): void {
    const { projectId } = this.store.project(req)
    const name = `projects/${projectId}/locations/${req.params['location'] ?? ''}/${spec.collection}/${req.params['id'] ?? ''}`
    const change = this.pendingChanges.get(name)
    if (!change) return
    this.pendingChanges.delete(name)
    this.mutate(spec, name, change)
  }

  private mutate(spec: KindSpec, name: string, fn: (resource: Workload) => void): Workload {
    this.store.settle()
    const key = this.store.canonical(name)
    const current = this.store.workloads(spec).get(key)
    if (!current) {
      const { id, location, project } = parseName(key)
      throw notFound(id, spec.label, location, project)
    }
    const next = deepCopy(current)
    fn(next)
    next.generation = String(Number(current.generation ?? '0') + 1)
    next.etag = newEtag(key)
    next.updateTime = timestamp(this.store.ctx.now())
    this.store.workloads(spec).set(key, next)
    return deepCopy(next)
  }

  private read<T>(map: Map<string, T>, name: string): T | undefined {
    this.store.settle()
    const value = map.get(this.store.canonical(name))
    return value === undefined ? undefined : deepCopy(value)
  }
}
