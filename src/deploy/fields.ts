/**
 * The fields of a Cloud Run Admin API v2 Service, Job and WorkerPool, one shape per API schema, written
 * to agree exactly with googleapis' run_v2 Schema types (googleapis 188, build/src/apis/run/v2.d.ts):
 * every field of every schema reachable from Schema$GoogleCloudRunV2Service, ...Job and ...WorkerPool,
 * and `output` for each one whose comment says "Output only." (google.api.field_behavior OUTPUT_ONLY).
 * __tests__/unit/output-only.test.ts reads v2.d.ts and fails when they disagree, so a googleapis upgrade
 * that adds a field, output only or not, must be reflected here.
 *
 * They serve two purposes. The `metadata` file is checked against them (checkFields), so that a misspelt
 * or misplaced field is an error that names it rather than something Cloud Run silently drops or rejects
 * with a message about the request instead of the file. And every write leaves out what the API marks
 * output only (withoutOutputOnly): a resource read from the API carries all of it, at every depth. Pure.
 */
import type { ResourceKind } from '../config.js'

/**
 * A field: any value (`leaf`, maps of strings included), an output-only one (`output`), an object, or a
 * list of objects. No field reachable from the three kinds is a map of objects; should the API add one,
 * the test names it (`field{}.sub`) and this type needs a form for it.
 */
type Field = 'leaf' | 'output' | Shape | readonly [Shape]
export interface Shape {
  readonly [name: string]: Field
}

// Fields marked "gcloud 578" are not in googleapis 188's types but are in the Admin API's own description
// as gcloud 578.0.0 carries it: lib/googlecloudsdk/generated_clients/apis/run/v2/run_v2_messages.py,
// generated from the Cloud Run Admin API v2 discovery document, where each is "Optional.", not "Output
// only.". They are accepted as writable so that a file carrying them is not refused: a Knative file's
// terminationGracePeriodSeconds becomes terminationGracePeriod (src/dialects/knative.ts). ASSUMPTION:
// the live API takes them from every project (gcloud 578's commands set none of them, so nothing here
// was seen working); where one is restricted, Cloud Run refuses the write and says why, which is the
// right place for that judgement.
// The test keeps their list, and fails once googleapis has one, so that its own comment decides then.

const HTTP_HEADER: Shape = { name: 'leaf', value: 'leaf' }

const PROBE: Shape = {
  failureThreshold: 'leaf',
  grpc: { port: 'leaf', service: 'leaf' },
  httpGet: { httpHeaders: [HTTP_HEADER], path: 'leaf', port: 'leaf' },
  initialDelaySeconds: 'leaf',
  periodSeconds: 'leaf',
  tcpSocket: { port: 'leaf' },
  timeoutSeconds: 'leaf'
}

/** gcloud 578: GoogleCloudRunV2BuildConfiguration, a container's source build. */
const CONTAINER_BUILD_CONFIG: Shape = {
  buildpacksBuild: {
    buildBaseImageUri: 'leaf',
    cacheImageUri: 'leaf',
    environmentVariables: 'leaf'
  },
  // An empty message: selecting a Docker build is all it says.
  dockerBuild: {},
  imageRepositoryUri: 'leaf',
  tags: 'leaf',
  workerConfiguration: {
    cloudBuildWorkerConfiguration: { machineType: 'leaf', workerPool: 'leaf' }
  }
}

const CONTAINER: Shape = {
  args: 'leaf',
  baseImageUri: 'leaf',
  buildConfig: CONTAINER_BUILD_CONFIG,
  buildInfo: 'output',
  command: 'leaf',
  dependsOn: 'leaf',
  env: [
    {
      name: 'leaf',
      value: 'leaf',
      valueSource: { secretKeyRef: { secret: 'leaf', version: 'leaf' } }
    }
  ],
  image: 'leaf',
  livenessProbe: PROBE,
  name: 'leaf',
  ports: [{ containerPort: 'leaf', name: 'leaf' }],
  readinessProbe: PROBE,
  resources: { cpuIdle: 'leaf', limits: 'leaf', startupCpuBoost: 'leaf' },
  sandboxLauncher: 'leaf',
  sourceCode: {
    cloudStorageSource: { bucket: 'leaf', generation: 'leaf', object: 'leaf' },
    inlinedSource: { sources: [{ content: 'leaf', filename: 'leaf' }] }
  },
  startupProbe: PROBE,
  volumeMounts: [{ mountPath: 'leaf', name: 'leaf', subPath: 'leaf' }],
  workingDir: 'leaf'
}

const VOLUME: Shape = {
  cloudSqlInstance: { instances: 'leaf' },
  emptyDir: { medium: 'leaf', sizeLimit: 'leaf' },
  gcs: { bucket: 'leaf', mountOptions: 'leaf', readOnly: 'leaf' },
  name: 'leaf',
  nfs: { path: 'leaf', readOnly: 'leaf', server: 'leaf' },
  secret: {
    defaultMode: 'leaf',
    items: [{ mode: 'leaf', path: 'leaf', version: 'leaf' }],
    secret: 'leaf'
  }
}

const VPC_ACCESS: Shape = {
  connector: 'leaf',
  egress: 'leaf',
  networkInterfaces: [{ network: 'leaf', subnetwork: 'leaf', tags: 'leaf' }]
}

const WORKLOAD_IDENTITY_CONFIG: Shape = {
  identity: 'leaf',
  identityCertificateEnabled: 'leaf',
  identityType: 'leaf'
}

const BINARY_AUTHORIZATION: Shape = {
  breakglassJustification: 'leaf',
  policy: 'leaf',
  useDefault: 'leaf'
}

/** What every pod-like template shares (RevisionTemplate, TaskTemplate, WorkerPoolRevisionTemplate). */
const POD: Shape = {
  containers: [CONTAINER],
  encryptionKey: 'leaf',
  gpuZonalRedundancyDisabled: 'leaf',
  nodeSelector: { accelerator: 'leaf' },
  serviceAccount: 'leaf',
  // gcloud 578, on all three templates.
  terminationGracePeriod: 'leaf',
  volumes: [VOLUME],
  vpcAccess: VPC_ACCESS
}

const REVISION_TEMPLATE: Shape = {
  ...POD,
  annotations: 'leaf',
  client: 'leaf',
  clientVersion: 'leaf',
  encryptionKeyRevocationAction: 'leaf',
  encryptionKeyShutdownDuration: 'leaf',
  executionEnvironment: 'leaf',
  healthCheckDisabled: 'leaf',
  labels: 'leaf',
  maxInstanceRequestConcurrency: 'leaf',
  revision: 'leaf',
  scaling: {
    concurrencyUtilization: 'leaf',
    cpuUtilization: 'leaf',
    maxInstanceCount: 'leaf',
    minInstanceCount: 'leaf'
  },
  serviceMesh: { mesh: 'leaf' },
  sessionAffinity: 'leaf',
  timeout: 'leaf',
  workloadIdentityConfig: WORKLOAD_IDENTITY_CONFIG
}

const TASK_TEMPLATE: Shape = {
  ...POD,
  executionEnvironment: 'leaf',
  maxRetries: 'leaf',
  timeout: 'leaf',
  workloadIdentityConfig: WORKLOAD_IDENTITY_CONFIG
}

const EXECUTION_TEMPLATE: Shape = {
  annotations: 'leaf',
  client: 'leaf',
  clientVersion: 'leaf',
  delayExecution: 'leaf',
  labels: 'leaf',
  parallelism: 'leaf',
  // gcloud 578.
  priorityTier: 'leaf',
  taskCount: 'leaf',
  template: TASK_TEMPLATE
}

const WORKER_POOL_TEMPLATE: Shape = {
  ...POD,
  annotations: 'leaf',
  client: 'leaf',
  clientVersion: 'leaf',
  encryptionKeyRevocationAction: 'leaf',
  encryptionKeyShutdownDuration: 'leaf',
  labels: 'leaf',
  revision: 'leaf',
  serviceMesh: { mesh: 'leaf' }
}

/** The fields all three kinds share. */
const COMMON: Shape = {
  annotations: 'leaf',
  binaryAuthorization: BINARY_AUTHORIZATION,
  client: 'leaf',
  clientVersion: 'leaf',
  conditions: 'output',
  createTime: 'output',
  creator: 'output',
  deleteTime: 'output',
  // Writable. v2.d.ts: "A system-generated fingerprint for this version of the resource. May be used to
  // detect modification conflict during updates." So a write keeps the live resource's one.
  etag: 'leaf',
  expireTime: 'output',
  generation: 'output',
  labels: 'leaf',
  lastModifier: 'output',
  launchStage: 'leaf',
  name: 'leaf',
  observedGeneration: 'output',
  reconciling: 'output',
  satisfiesPzs: 'output',
  terminalCondition: 'output',
  uid: 'output',
  updateTime: 'output'
}

export const SERVICE_FIELDS: Shape = {
  ...COMMON,
  buildConfig: {
    baseImage: 'leaf',
    enableAutomaticUpdates: 'leaf',
    environmentVariables: 'leaf',
    functionTarget: 'leaf',
    imageUri: 'leaf',
    name: 'output',
    serviceAccount: 'leaf',
    sourceLocation: 'leaf',
    workerPool: 'leaf'
  },
  customAudiences: 'leaf',
  defaultUriDisabled: 'leaf',
  description: 'leaf',
  functionalType: 'leaf',
  iapEnabled: 'leaf',
  ingress: 'leaf',
  invokerIamDisabled: 'leaf',
  latestCreatedRevision: 'output',
  latestReadyRevision: 'output',
  multiRegionSettings: { multiRegionId: 'leaf', regions: 'leaf' },
  scaling: {
    manualInstanceCount: 'leaf',
    maxInstanceCount: 'leaf',
    minInstanceCount: 'leaf',
    scalingMode: 'leaf'
  },
  sshEnabled: 'leaf',
  template: REVISION_TEMPLATE,
  threatDetectionEnabled: 'output',
  traffic: [{ percent: 'leaf', revision: 'leaf', tag: 'leaf', type: 'leaf' }],
  trafficStatuses: 'output',
  uri: 'output',
  urls: 'output'
}

export const JOB_FIELDS: Shape = {
  ...COMMON,
  executionCount: 'output',
  functionalType: 'leaf',
  latestCreatedExecution: 'output',
  runExecutionToken: 'leaf',
  startExecutionToken: 'leaf',
  template: EXECUTION_TEMPLATE
}

export const WORKER_POOL_FIELDS: Shape = {
  ...COMMON,
  customAudiences: 'leaf',
  description: 'leaf',
  instanceSplits: [{ percent: 'leaf', revision: 'leaf', type: 'leaf' }],
  instanceSplitStatuses: 'output',
  latestCreatedRevision: 'output',
  latestReadyRevision: 'output',
  scaling: {
    // gcloud 578: all but manualInstanceCount.
    cpuScaling: { cpuUtilization: 'leaf' },
    manualInstanceCount: 'leaf',
    maxInstanceCount: 'leaf',
    maxSurge: 'leaf',
    minInstanceCount: 'leaf',
    pubsubScalings: [{ metricName: 'leaf', subscription: 'leaf', targetValue: 'leaf' }],
    scalingMode: 'leaf'
  },
  template: WORKER_POOL_TEMPLATE,
  threatDetectionEnabled: 'output'
}

export const FIELDS: Readonly<Record<ResourceKind, Shape>> = {
  service: SERVICE_FIELDS,
  job: JOB_FIELDS,
  workerPool: WORKER_POOL_FIELDS
}

/** A field the shape does not know, or a value of the wrong form: `path` names it as the file does. */
export interface FieldProblem {
  readonly path: string
  readonly problem: string
}

/** proto3 JSON accepts a field's proto name as well as its lowerCamelCase JSON name. */
const camelize = (name: string) => name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase())

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const isList = (field: Field): field is readonly [Shape] => Array.isArray(field)

const fieldOf = (shape: Shape, name: string): Field | undefined =>
  Object.hasOwn(shape, name) ? shape[name] : undefined

/**
 * Writable, but not from a file: a file's etag comes from an older read (a GET copied into the file),
 * and only the live resource's etag may guard an update.
 */
const LIVE_RESOURCE_ONLY: ReadonlySet<string> = new Set(['etag'])

class ProblemFound extends Error {
  constructor(readonly problem: FieldProblem) {
    super(`${problem.path} ${problem.problem}`)
  }
}

/**
 * The document with field names in lowerCamelCase and output-only fields (and `etag`) dropped, or the
 * first problem found in it.
 */
export function checkFields(
  document: Record<string, unknown>,
  shape: Shape
): { resource: Record<string, unknown> } | { problem: FieldProblem } {
  function fail(path: string, problem: string): never {
    throw new ProblemFound({ path, problem })
  }
  const walk = (value: Record<string, unknown>, fields: Shape, at: string) => {
    const out: Record<string, unknown> = {}
    for (const [raw, child] of Object.entries(value)) {
      const name = camelize(raw)
      const path = at ? `${at}.${raw}` : raw
      const field = fieldOf(fields, name)
      if (field === undefined) {
        const near = suggestion(name, Object.keys(fields))
        fail(path, `is not a field here${near ? ` (did you mean ${near}?)` : ''}`)
      }
      if (field === 'output' || (at === '' && LIVE_RESOURCE_ONLY.has(name))) continue
      if (child === null || field === 'leaf') {
        out[name] = child
      } else if (isList(field)) {
        if (!Array.isArray(child)) fail(path, 'must be a list')
        out[name] = child.map((item: unknown, index) => {
          if (!isRecord(item)) fail(`${path}[${index}]`, 'must be an object')
          return walk(item, field[0], `${path}[${index}]`)
        })
      } else {
        if (!isRecord(child)) fail(path, 'must be an object')
        out[name] = walk(child, field, path)
      }
    }
    return out
  }
  try {
    return { resource: walk(document, shape, '') }
  } catch (thrown) {
    if (thrown instanceof ProblemFound) return { problem: thrown.problem }
    throw thrown
  }
}

/** The resource without any field the API marks output only, at any depth (templates, containers, ...). */
export function withoutOutputOnly(
  kind: ResourceKind,
  resource: Record<string, unknown>
): Record<string, unknown> {
  return strip(resource, FIELDS[kind])
}

/**
 * A copy of `value` without its output-only fields; the input is not changed. A field the shape does not
 * know is kept as it is: it may be a writable field newer than googleapis 188, and dropping it from a
 * resource read from the API would reset it on the update. (An unknown output-only field sent back does
 * no harm: "the server must ignore it and must not throw an error as a result of the field's presence",
 * google/api/field_behavior.proto, OUTPUT_ONLY.) A value not of the shape's form is left for the API
 * to judge.
 */
function strip(value: Record<string, unknown>, shape: Shape): Record<string, unknown> {
  const kept: [string, unknown][] = []
  for (const [name, child] of Object.entries(value)) {
    const field = fieldOf(shape, camelize(name))
    if (field === 'output') continue
    if (field === undefined || field === 'leaf') kept.push([name, child])
    else if (isList(field)) {
      kept.push([
        name,
        Array.isArray(child)
          ? child.map((item: unknown) => (isRecord(item) ? strip(item, field[0]) : item))
          : child
      ])
    } else kept.push([name, isRecord(child) ? strip(child, field) : child])
  }
  // fromEntries defines own properties: a `__proto__` key stays data and cannot become a prototype.
  return Object.fromEntries(kept)
}

/** A known field that differs only in case, or by at most two edits: the likely intended one. */
function suggestion(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase()
  const sameCase = known.find(k => k.toLowerCase() === lower)
  if (sameCase) return sameCase
  let best: { name: string; distance: number } | undefined
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase())
    if (distance <= 2 && (!best || distance < best.distance)) best = { name: candidate, distance }
  }
  return best?.name
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost
      )
    }
    previous = current
  }
  return previous[b.length] ?? 0
}
