/**
 * Create, get, list, patch and delete of services, jobs and worker pools: one implementation driven by
 * the kind descriptors of kinds.ts. Every deploy is validated synchronously (the checks Cloud Run makes
 * before it accepts a request) and then finishes through a long-running operation (store.ts).
 */
import type { EmulatorRequest, EmulatorResponse, ProjectInfo } from '../core.js'
import { GoogleApiError } from '../core.js'
import {
  type KindSpec,
  type Operation,
  type Revision,
  type Service,
  type WorkerPool,
  type Workload,
  SPLIT_LATEST,
  STATE,
  TRAFFIC_LATEST
} from './kinds.js'
import {
  actAsDenied,
  alreadyExists,
  deployerImageDenied,
  etagMismatch,
  invalidId,
  notFound,
  revisionConflict,
  unknownQueryParameter
} from './messages.js'
import {
  applyUpdate,
  normalizeBody,
  revisionTemplateOf,
  serviceAccountResource,
  stableStringify,
  validId,
  validateDesired,
  writableFields
} from './request.js'
import {
  type CloudRunStore,
  condition,
  containersOf,
  defaultComputeServiceAccount,
  serviceUri,
  trafficStatuses
} from './store.js'
import {
  type JsonObject,
  asJson,
  deepCopy,
  getPath,
  newEtag,
  queryBool,
  randomChars,
  timestamp,
  uuid
} from './util.js'

/** The request's location parts, with the project as written and as its ID. */
interface Target {
  readonly rawProject: string
  readonly projectId: string
  readonly location: string
  readonly parent: string
  readonly info: ProjectInfo | undefined
}

function target(store: CloudRunStore, req: EmulatorRequest): Target {
  const { info, projectId } = store.project(req)
  const location = req.params['location'] ?? ''
  return {
    rawProject: req.params['project'] ?? '',
    projectId,
    location,
    parent: `projects/${projectId}/locations/${location}`,
    info
  }
}

// ---- reads ---------------------------------------------------------------------------------------

export function getWorkload(
  store: CloudRunStore,
  spec: KindSpec,
  req: EmulatorRequest
): EmulatorResponse {
  const t = target(store, req)
  const id = req.params['id'] ?? ''
  const name = `${t.parent}/${spec.collection}/${id}`
  store.ctx.authorize(req, `${spec.permission}.get`, name)
  const resource = store.workloads(spec).get(name)
  if (!resource) throw notFound(id, spec.label, t.location, t.rawProject)
  return { body: deepCopy(resource) }
}

export function listWorkloads(
  store: CloudRunStore,
  spec: KindSpec,
  req: EmulatorRequest
): EmulatorResponse {
  const t = target(store, req)
  store.ctx.authorize(req, `${spec.permission}.list`, t.parent)
  const items = [...store.workloads(spec).values()].filter(r => r.name?.startsWith(`${t.parent}/`))
  // proto3 JSON omits an empty repeated field.
  return { body: items.length ? { [spec.collection]: items.map(deepCopy) } : {} }
}

// ---- create and patch ----------------------------------------------------------------------------

export function createWorkload(
  store: CloudRunStore,
  spec: KindSpec,
  req: EmulatorRequest
): EmulatorResponse {
  const t = target(store, req)
  // Authorization is on the parent (REST reference, services.create: "permission on parent").
  store.ctx.authorize(req, `${spec.permission}.create`, t.parent)
  const info = store.requireProject(t.info, t.rawProject)
  const request = `Create${spec.message}Request`
  const body = normalizeBody(spec, req.body)
  // The id is optional in the current API ("If not provided, the server will generate a unique id");
  // the generated form is an assumption.
  const id =
    req.url.searchParams.get(spec.idParam) ??
    `${spec.collection.replace(/s$/, '').toLowerCase()}-${randomChars(8)}`
  if (!validId(id, spec.maxIdLength)) throw invalidId(spec.idParam, id, spec.maxIdLength)
  const name = `${t.parent}/${spec.collection}/${id}`
  // Service.name: "In CreateServiceRequest, this field is ignored" (service.proto). Assumption: a name
  // that contradicts the request is rejected rather than silently ignored.
  if (
    typeof body['name'] === 'string' &&
    body['name'] !== '' &&
    store.canonical(body['name']) !== name
  ) {
    throw new GoogleApiError(
      'INVALID_ARGUMENT',
      `${spec.bodyField}.name must be empty or '${name}' in ${request}.`
    )
  }
  const desired = writableFields(spec, body)
  validateDesired(spec, id, desired, request)
  if (store.workloads(spec).has(name)) throw alreadyExists(id)
  return deploy(store, spec, req, {
    name,
    id,
    info,
    location: t.location,
    desired,
    existing: undefined
  })
}

export function patchWorkload(
  store: CloudRunStore,
  spec: KindSpec,
  req: EmulatorRequest
): EmulatorResponse {
  const t = target(store, req)
  const id = req.params['id'] ?? ''
  const name = `${t.parent}/${spec.collection}/${id}`
  const existing = store.workloads(spec).get(name)
  const allowMissing = queryBool(req.url, 'allowMissing')
  if (existing) store.ctx.authorize(req, `${spec.permission}.update`, name)
  else if (allowMissing) {
    // Services and worker pools: "must have 'run.services.create' permissions if this is set to true
    // and the Service does not exist"; jobs: "must have both create and update permissions".
    store.ctx.authorize(req, `${spec.permission}.create`, t.parent)
    if (spec.kind === 'job') store.ctx.authorize(req, `${spec.permission}.update`, name)
  } else {
    store.ctx.authorize(req, `${spec.permission}.update`, name)
    throw notFound(id, spec.label, t.location, t.rawProject)
  }
  const info = store.requireProject(t.info, t.rawProject)
  const request = `Update${spec.message}Request`
  const maskParam = req.url.searchParams.get('updateMask')
  // UpdateJobRequest has no update_mask (job.proto), so the front end cannot bind the parameter.
  if (!spec.updateMask && maskParam !== null) throw unknownQueryParameter('updateMask')
  // Jobs have no revisions: UpdateJobRequest has no force_new_revision either (googleapis 188's
  // Params$Resource$Projects$Locations$Jobs$Patch: allowMissing, name, validateOnly).
  if (!spec.hasRevisions && req.url.searchParams.has('forceNewRevision')) {
    throw unknownQueryParameter('forceNewRevision')
  }
  const body = normalizeBody(spec, req.body)
  // AIP-154: an etag that differs from the current one must fail with ABORTED.
  if (
    existing &&
    typeof body['etag'] === 'string' &&
    body['etag'] !== '' &&
    body['etag'] !== existing.etag
  ) {
    throw etagMismatch(name)
  }
  const desired = existing
    ? applyUpdate(spec, existing, body, maskParam)
    : writableFields(spec, body)
  validateDesired(spec, id, desired, request)
  return deploy(store, spec, req, {
    name,
    id,
    info,
    location: t.location,
    desired,
    existing,
    forceNewRevision: queryBool(req.url, 'forceNewRevision')
  })
}

export function deleteWorkload(
  store: CloudRunStore,
  spec: KindSpec,
  req: EmulatorRequest
): EmulatorResponse {
  const t = target(store, req)
  const id = req.params['id'] ?? ''
  const name = `${t.parent}/${spec.collection}/${id}`
  store.ctx.authorize(req, `${spec.permission}.delete`, name)
  const existing = store.workloads(spec).get(name)
  if (!existing) throw notFound(id, spec.label, t.location, t.rawProject)
  const etag = req.url.searchParams.get('etag')
  if (etag && etag !== existing.etag) throw etagMismatch(name)
  const now = store.ctx.now()
  const snapshot = { '@type': spec.typeUrl, ...deepCopy(existing), deleteTime: timestamp(now) }
  const operationName = `${t.parent}/operations/${uuid()}`
  if (queryBool(req.url, 'validateOnly')) {
    return { body: validated(store, spec, operationName, name, snapshot) }
  }
  store.workloads(spec).delete(name)
  // Deleting a resource deletes its revisions and executions with it.
  for (const map of [store.revisions, store.executions]) {
    for (const key of [...map.keys()]) if (key.startsWith(`${name}/`)) map.delete(key)
  }
  const operation: Operation = { name: operationName, metadata: snapshot, done: false }
  return {
    body: store.addOperation({
      operation,
      doneAt: now + store.ctx.options.operationDelayMs,
      kind: spec.kind,
      action: 'delete',
      target: name,
      settled: false
    })
  }
}

interface DeployPlan {
  readonly name: string
  readonly id: string
  readonly info: ProjectInfo
  readonly location: string
  /** The resource as the caller wants it: writable fields only. */
  readonly desired: JsonObject
  readonly existing: Workload | undefined
  readonly forceNewRevision?: boolean
}

/** The checks Cloud Run makes before it accepts a deploy, then the resource's new state and operation. */
function deploy(
  store: CloudRunStore,
  spec: KindSpec,
  req: EmulatorRequest,
  plan: DeployPlan
): EmulatorResponse {
  const principal = req.principal ?? ''
  const email = store.principalEmail(req)
  // Turning the invoker IAM check off (or on) changes who may call the service, as an IAM policy does:
  // "To disable the invoker IAM check ... you need run.services.setIamPolicy" (Cloud Run docs, Allowing
  // public (unauthenticated) access; gcloud's --[no-]invoker-iam-check needs the same).
  const invoker = (plan.desired as { invokerIamDisabled?: boolean }).invokerIamDisabled
  const before = (plan.existing as { invokerIamDisabled?: boolean } | undefined)?.invokerIamDisabled
  if (spec.kind === 'service' && Boolean(invoker) !== Boolean(before)) {
    store.ctx.authorize(req, 'run.services.setIamPolicy', plan.name)
  }
  const runtime =
    (getPath(plan.desired, spec.serviceAccountPath) as string | undefined) ||
    defaultComputeServiceAccount(plan.info.projectNumber)
  // The deployer must be able to act as the runtime service account (gcloud reports the same denial).
  if (
    !store.ctx.hasPermission(
      principal,
      'iam.serviceAccounts.actAs',
      serviceAccountResource(runtime)
    )
  ) {
    throw actAsDenied(runtime)
  }
  // Since 2025-01-15 Cloud Run checks that the deployer itself can read every image (Google's notice of
  // 2024-11-26). The registry's answer to the deployer's own pull is that check.
  for (const container of containersOf(spec, plan.desired as Workload)) {
    const image = container.image ?? ''
    const pulled = store.ctx.pullImage(principal, image)
    if (!pulled.ok && pulled.reason === 'denied') {
      throw deployerImageDenied(image, {
        image,
        imageProject: pulled.imageProject,
        targetProject: plan.info.projectId,
        manifestUrl: pulled.manifestUrl,
        registryBody: pulled.registryBody
      })
    }
  }

  const now = store.ctx.now()
  const at = timestamp(now)
  const { resource, revision } = materialize(store, spec, plan, email, at)
  const operationName = `projects/${plan.info.projectId}/locations/${plan.location}/operations/${uuid()}`
  const metadata = { '@type': spec.typeUrl, ...deepCopy(resource) }
  // validateOnly: "validated and default values populated, without persisting the request"; the answer
  // is still an Operation (REST reference), here one that is already done. Assumption: done at once.
  if (queryBool(req.url, 'validateOnly')) {
    return { body: validated(store, spec, operationName, plan.name, metadata) }
  }
  store.workloads(spec).set(plan.name, resource)
  if (revision?.name) store.revisions.set(revision.name, revision)
  return {
    body: store.addOperation({
      operation: { name: operationName, metadata, done: false },
      doneAt: now + store.ctx.options.operationDelayMs,
      kind: spec.kind,
      action: 'deploy',
      target: plan.name,
      generation: resource.generation ?? undefined,
      revision: revision?.name ?? undefined,
      settled: false
    })
  }
}

function validated(
  store: CloudRunStore,
  spec: KindSpec,
  operationName: string,
  targetName: string,
  metadata: JsonObject
): Operation {
  return store.addOperation({
    operation: { name: operationName, metadata, done: true, response: metadata },
    doneAt: store.ctx.now(),
    kind: spec.kind,
    action: 'validate',
    target: targetName,
    settled: true
  })
}

/** The resource as stored after an accepted deploy, and the revision it starts (if any). */
function materialize(
  store: CloudRunStore,
  spec: KindSpec,
  plan: DeployPlan,
  email: string,
  at: string
): { resource: Workload; revision: Revision | undefined } {
  const { existing, name, id, info, location } = plan
  const resource = deepCopy(plan.desired) as Workload
  const json = asJson(resource)
  // Output-only state carried over from the stored resource.
  if (existing) {
    for (const field of spec.outputOnly) {
      const value = asJson(existing)[field]
      if (value !== undefined) json[field] = deepCopy(value)
    }
  }
  // Service.creator: "Email address of the authenticated creator" (service.proto): set once, on create;
  // an update by someone else leaves it as it was (unset, for a seed that never had one).
  if (!existing) json['creator'] = email
  const generation = String(Number(existing?.generation ?? '0') + 1)
  Object.assign(json, {
    name,
    uid: existing?.uid ?? uuid(),
    generation,
    createTime: existing?.createTime ?? at,
    updateTime: at,
    lastModifier: email,
    etag: newEtag(name),
    reconciling: true,
    terminalCondition: condition('Ready', STATE.reconciling, at)
  })
  if (spec.kind === 'job') {
    resource.conditions = []
    return { resource, revision: undefined }
  }

  const revisioned = resource as Service | WorkerPool
  revisioned.conditions = [
    condition('RoutesReady', STATE.reconciling, at),
    condition('ConfigurationsReady', STATE.reconciling, at)
  ]
  if (spec.kind === 'service') {
    const service = revisioned as Service
    service.uri = serviceUri(id, info.projectNumber, location)
    service.urls = [service.uri]
    // "If traffic is empty or not provided, defaults to 100% traffic to the latest Ready Revision."
    if (!service.traffic?.length) service.traffic = [{ type: TRAFFIC_LATEST, percent: 100 }]
    // The traffic served changes when the deploy's routes are ready (store.ts); until then an
    // update keeps serving as before (its statuses were carried over above).
    if (!existing) service.trafficStatuses = trafficStatuses(service, info.projectNumber, location)
  } else {
    const pool = revisioned as WorkerPool
    if (!pool.instanceSplits?.length) pool.instanceSplits = [{ type: SPLIT_LATEST, percent: 100 }]
  }

  const template = asJson(revisioned.template ?? {})
  const previous = existing as Service | WorkerPool | undefined
  const requested = typeof template['revision'] === 'string' ? template['revision'] : undefined
  const requestedName = requested ? `${name}/revisions/${requested}` : undefined
  const changed =
    !previous?.latestCreatedRevision ||
    plan.forceNewRevision === true ||
    stableStringify(previous.template ?? {}) !== stableStringify(template)
  if (requestedName) {
    const known = store.revisions.get(requestedName)
    if (known) {
      // Reusing a revision name is fine only for the very same template (google-cloud-python#14259).
      if (
        stableStringify(revisionTemplateOf(known)) !== stableStringify(revisionTemplateOf(template))
      ) {
        throw revisionConflict(requested ?? '')
      }
      revisioned.latestCreatedRevision = requestedName
      return { resource, revision: undefined }
    }
  } else if (!changed) {
    return { resource, revision: undefined }
  }
  // Revision names: SERVICE-NNNNN-xyz, NNNNN the generation, xyz three random letters.
  const short = requested ?? `${id}-${generation.padStart(5, '0')}-${randomChars(3)}`
  const revisionName = `${name}/revisions/${short}`
  revisioned.latestCreatedRevision = revisionName
  const runtime =
    (template['serviceAccount'] as string | undefined) ||
    defaultComputeServiceAccount(info.projectNumber)
  const revision: Revision = {
    ...(revisionTemplateOf(template) as Revision),
    name: revisionName,
    uid: uuid(),
    generation: '1',
    createTime: at,
    updateTime: at,
    launchStage: revisioned.launchStage ?? 'GA',
    service: name,
    serviceAccount: runtime,
    creator: email,
    etag: newEtag(revisionName),
    reconciling: true,
    conditions: [condition('Ready', STATE.reconciling, at)]
  }
  return { resource, revision }
}
