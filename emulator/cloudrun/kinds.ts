/**
 * The three deployable kinds of Cloud Run Admin API v2 (services, jobs, worker pools) described as data,
 * so that create/get/patch share one implementation. Field lists are those of googleapis' run_v2 types
 * (googleapis 188) and of google/cloud/run/v2/*.proto (OUTPUT_ONLY field behaviour: the comments that
 * begin "Output only.", e.g. Service.threat_detection_enabled, WorkerPool.instance_split_statuses).
 */
import type { run_v2 } from 'googleapis/build/src/apis/run/v2.js'

export type Service = run_v2.Schema$GoogleCloudRunV2Service
export type Job = run_v2.Schema$GoogleCloudRunV2Job
export type WorkerPool = run_v2.Schema$GoogleCloudRunV2WorkerPool
export type Revision = run_v2.Schema$GoogleCloudRunV2Revision
export type Execution = run_v2.Schema$GoogleCloudRunV2Execution
export type Operation = run_v2.Schema$GoogleLongrunningOperation
export type Condition = run_v2.Schema$GoogleCloudRunV2Condition
export type Container = run_v2.Schema$GoogleCloudRunV2Container
export type RunJobRequest = run_v2.Schema$GoogleCloudRunV2RunJobRequest
export type Workload = Service | Job | WorkerPool

export type KindName = 'service' | 'job' | 'workerPool'

export interface KindSpec {
  readonly kind: KindName
  /** URL collection segment and resource-name collection. */
  readonly collection: 'services' | 'jobs' | 'workerPools'
  /** Create's query parameter carrying the id. */
  readonly idParam: 'serviceId' | 'jobId' | 'workerPoolId'
  /** The kind as Cloud Run's NOT_FOUND message names it. */
  readonly label: 'SERVICE' | 'JOB' | 'WORKER_POOL'
  /** IAM permission prefix (`run.services.create`, `run.workerpools.update`, ...). */
  readonly permission: 'run.services' | 'run.jobs' | 'run.workerpools'
  /** Route-name prefix for logs and fault injection. */
  readonly routePrefix: 'run.services' | 'run.jobs' | 'run.workerPools'
  readonly typeUrl: string
  /** The request message's field holding the resource, as JSON-binding errors name it. */
  readonly bodyField: 'service' | 'job' | 'worker_pool'
  /** `Service` → `CreateServiceRequest` / `UpdateServiceRequest`. */
  readonly message: 'Service' | 'Job' | 'WorkerPool'
  /** Longest accepted id. */
  readonly maxIdLength: number
  /** Whether PATCH takes `updateMask` (UpdateJobRequest has none: job.proto). */
  readonly updateMask: boolean
  readonly hasRevisions: boolean
  /** Path from the resource to its containers (a job nests a TaskTemplate in its ExecutionTemplate). */
  readonly containersPath: readonly string[]
  /** Path from the resource to its volumes, beside the containers that mount them. */
  readonly volumesPath: readonly string[]
  /** The field splitting work between revisions (services: traffic; worker pools: instance splits). */
  readonly splitField?: 'traffic' | 'instanceSplits'
  readonly serviceAccountPath: readonly string[]
  readonly outputOnly: ReadonlySet<string>
  readonly knownFields: ReadonlySet<string>
}

const COMMON_OUTPUT_ONLY = [
  'uid',
  'generation',
  'createTime',
  'updateTime',
  'deleteTime',
  'expireTime',
  'creator',
  'lastModifier',
  'observedGeneration',
  'terminalCondition',
  'conditions',
  'reconciling',
  'satisfiesPzs',
  'etag'
]

export const SERVICE: KindSpec = {
  kind: 'service',
  collection: 'services',
  idParam: 'serviceId',
  label: 'SERVICE',
  permission: 'run.services',
  routePrefix: 'run.services',
  typeUrl: 'type.googleapis.com/google.cloud.run.v2.Service',
  bodyField: 'service',
  message: 'Service',
  // "must contain fewer than 50 characters" (CreateServiceRequest.service_id).
  maxIdLength: 49,
  updateMask: true,
  hasRevisions: true,
  containersPath: ['template', 'containers'],
  volumesPath: ['template', 'volumes'],
  splitField: 'traffic',
  serviceAccountPath: ['template', 'serviceAccount'],
  outputOnly: new Set([
    ...COMMON_OUTPUT_ONLY,
    'latestReadyRevision',
    'latestCreatedRevision',
    'threatDetectionEnabled',
    'trafficStatuses',
    'uri',
    'urls'
  ]),
  knownFields: new Set(
    (
      'annotations binaryAuthorization buildConfig client clientVersion conditions createTime creator ' +
      'customAudiences defaultUriDisabled deleteTime description etag expireTime functionalType ' +
      'generation iapEnabled ingress invokerIamDisabled labels lastModifier latestCreatedRevision ' +
      'latestReadyRevision launchStage multiRegionSettings name observedGeneration reconciling ' +
      'satisfiesPzs scaling sshEnabled template terminalCondition threatDetectionEnabled traffic ' +
      'trafficStatuses uid updateTime uri urls'
    ).split(' ')
  )
}

export const JOB: KindSpec = {
  kind: 'job',
  collection: 'jobs',
  idParam: 'jobId',
  label: 'JOB',
  permission: 'run.jobs',
  routePrefix: 'run.jobs',
  typeUrl: 'type.googleapis.com/google.cloud.run.v2.Job',
  bodyField: 'job',
  message: 'Job',
  // Assumption: jobs keep Kubernetes' 63-character DNS label limit (the API doc states no limit).
  maxIdLength: 63,
  updateMask: false,
  hasRevisions: false,
  containersPath: ['template', 'template', 'containers'],
  volumesPath: ['template', 'template', 'volumes'],
  serviceAccountPath: ['template', 'template', 'serviceAccount'],
  outputOnly: new Set([...COMMON_OUTPUT_ONLY, 'executionCount', 'latestCreatedExecution']),
  knownFields: new Set(
    (
      'annotations binaryAuthorization client clientVersion conditions createTime creator deleteTime ' +
      'etag executionCount expireTime functionalType generation labels lastModifier ' +
      'latestCreatedExecution launchStage name observedGeneration reconciling runExecutionToken ' +
      'satisfiesPzs startExecutionToken template terminalCondition uid updateTime'
    ).split(' ')
  )
}

export const WORKER_POOL: KindSpec = {
  kind: 'workerPool',
  collection: 'workerPools',
  idParam: 'workerPoolId',
  label: 'WORKER_POOL',
  permission: 'run.workerpools',
  routePrefix: 'run.workerPools',
  typeUrl: 'type.googleapis.com/google.cloud.run.v2.WorkerPool',
  bodyField: 'worker_pool',
  message: 'WorkerPool',
  // Assumption: the same limit as services.
  maxIdLength: 49,
  updateMask: true,
  hasRevisions: true,
  containersPath: ['template', 'containers'],
  volumesPath: ['template', 'volumes'],
  splitField: 'instanceSplits',
  serviceAccountPath: ['template', 'serviceAccount'],
  outputOnly: new Set([
    ...COMMON_OUTPUT_ONLY,
    'latestReadyRevision',
    'latestCreatedRevision',
    'instanceSplitStatuses',
    'threatDetectionEnabled'
  ]),
  knownFields: new Set(
    (
      'annotations binaryAuthorization client clientVersion conditions createTime creator ' +
      'customAudiences deleteTime description etag expireTime generation instanceSplits ' +
      'instanceSplitStatuses labels lastModifier latestCreatedRevision latestReadyRevision launchStage ' +
      'name observedGeneration reconciling satisfiesPzs scaling template terminalCondition ' +
      'threatDetectionEnabled uid updateTime'
    ).split(' ')
  )
}

export const KINDS: readonly KindSpec[] = [SERVICE, JOB, WORKER_POOL]

export const OPERATION_TYPE = {
  execution: 'type.googleapis.com/google.cloud.run.v2.Execution'
} as const

/** Traffic and instance-split allocation types (google/cloud/run/v2/traffic_target.proto, instance_split.proto). */
export const TRAFFIC_LATEST = 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST'
export const TRAFFIC_REVISION = 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION'
export const SPLIT_LATEST = 'INSTANCE_SPLIT_ALLOCATION_TYPE_LATEST'
export const SPLIT_REVISION = 'INSTANCE_SPLIT_ALLOCATION_TYPE_REVISION'

/** Condition states (google/cloud/run/v2/condition.proto, Condition.State). */
export const STATE = {
  pending: 'CONDITION_PENDING',
  reconciling: 'CONDITION_RECONCILING',
  failed: 'CONDITION_FAILED',
  succeeded: 'CONDITION_SUCCEEDED'
} as const
