/**
 * Scenario seeds: resources that exist when the emulator starts, as if deployed long ago.
 */
import {
  type KindSpec,
  type Revision,
  type Service,
  type WorkerPool,
  type Workload,
  SPLIT_LATEST,
  STATE,
  TRAFFIC_LATEST
} from './kinds.js'
import { revisionTemplateOf } from './request.js'
import {
  type CloudRunStore,
  condition,
  defaultComputeServiceAccount,
  serviceUri,
  trafficStatuses
} from './store.js'
import { asJson, deepCopy, newEtag, randomChars, timestamp, uuid } from './util.js'

/**
 * A scenario's resource as if deployed long ago: output-only fields the seed leaves out are filled in,
 * ready unless the seed says otherwise; the current revision exists.
 */
export function seedWorkload(store: CloudRunStore, spec: KindSpec, seed: Workload): void {
  if (!seed.name) throw new Error(`A scenario ${spec.kind} needs a full name`)
  const name = store.canonical(seed.name)
  const { project, location, id } = partsOf(name)
  const info = store.ctx.project(project)
  const at = timestamp(store.ctx.now())
  const resource = deepCopy(seed)
  resource.name = name
  resource.uid ??= uuid()
  resource.generation ??= '1'
  resource.createTime ??= at
  resource.updateTime ??= at
  resource.etag ??= newEtag(name)
  resource.reconciling ??= false
  resource.observedGeneration ??= resource.generation
  resource.terminalCondition ??= condition('Ready', STATE.succeeded, at)
  const ready = resource.terminalCondition.state === STATE.succeeded
  if (spec.kind !== 'job') {
    const revisioned = resource as Service | WorkerPool
    const template = asJson(revisioned.template ?? {})
    const short =
      (typeof template['revision'] === 'string' ? template['revision'] : undefined) ??
      `${id}-${(resource.generation ?? '1').padStart(5, '0')}-${randomChars(3)}`
    revisioned.latestCreatedRevision ??= `${name}/revisions/${short}`
    if (ready) revisioned.latestReadyRevision ??= revisioned.latestCreatedRevision
    revisioned.conditions ??= [
      condition('RoutesReady', resource.terminalCondition.state ?? STATE.succeeded, at),
      condition('ConfigurationsReady', resource.terminalCondition.state ?? STATE.succeeded, at)
    ]
    const revisionName = revisioned.latestCreatedRevision
    if (!store.revisions.has(revisionName)) {
      store.revisions.set(revisionName, {
        ...(revisionTemplateOf(template) as Revision),
        name: revisionName,
        uid: uuid(),
        generation: '1',
        createTime: resource.createTime,
        updateTime: resource.updateTime,
        service: name,
        serviceAccount:
          (template['serviceAccount'] as string | undefined) ||
          defaultComputeServiceAccount(info.projectNumber),
        etag: newEtag(revisionName),
        reconciling: false,
        observedGeneration: '1',
        conditions: [
          ready
            ? condition('Ready', STATE.succeeded, at)
            : { ...resource.terminalCondition, type: 'Ready' }
        ]
      })
    }
    if (spec.kind === 'service') {
      const service = revisioned as Service
      service.uri ??= serviceUri(id, info.projectNumber, location)
      service.urls ??= [service.uri]
      if (!service.traffic?.length) service.traffic = [{ type: TRAFFIC_LATEST, percent: 100 }]
      service.trafficStatuses ??= trafficStatuses(service, info.projectNumber, location)
    } else {
      const pool = revisioned as WorkerPool
      if (!pool.instanceSplits?.length) pool.instanceSplits = [{ type: SPLIT_LATEST, percent: 100 }]
      pool.instanceSplitStatuses ??= ready ? pool.instanceSplits.map(split => ({ ...split })) : []
    }
  } else {
    resource.conditions ??= []
  }
  store.workloads(spec).set(name, resource)
}

function partsOf(name: string): { project: string; location: string; id: string } {
  const match = /^projects\/([^/]+)\/locations\/([^/]+)\/[^/]+\/([^/]+)$/.exec(name)
  if (!match?.[1] || !match[2] || !match[3])
    throw new Error(`Not a Cloud Run resource name: ${name}`)
  return { project: match[1], location: match[2], id: match[3] }
}
