/**
 * The fields of a Cloud Run Admin API v2 Service, Job and WorkerPool, written out by hand from
 * googleapis' run_v2 Schema types (googleapis 188: Schema$GoogleCloudRunV2Service, ...Job,
 * ...WorkerPool, ...RevisionTemplate, ...ExecutionTemplate, ...TaskTemplate, ...WorkerPoolRevisionTemplate,
 * ...Container and what they nest). The `metadata` file is checked against them so that a misspelt or
 * misplaced field is an error that names it, rather than something Cloud Run silently drops or rejects
 * with a message about the request instead of the file. Fields the types document as "Output only" are
 * known but not writable: a resource copied from a GET carries them, and they are dropped. Pure.
 */

/** A field: any value (`leaf`), an output-only one (`output`), an object, or a list of objects. */
type Field = 'leaf' | 'output' | Shape | readonly [Shape]
export interface Shape {
  readonly [name: string]: Field
}

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

const CONTAINER: Shape = {
  args: 'leaf',
  baseImageUri: 'leaf',
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
  sourceCode: 'leaf',
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
  workloadIdentityConfig: 'leaf'
}

const TASK_TEMPLATE: Shape = {
  ...POD,
  executionEnvironment: 'leaf',
  maxRetries: 'leaf',
  timeout: 'leaf',
  workloadIdentityConfig: 'leaf'
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

/** Output-only on all three kinds. `etag` is writable, but only the live resource's one means anything. */
const COMMON: Shape = {
  annotations: 'leaf',
  binaryAuthorization: BINARY_AUTHORIZATION,
  client: 'leaf',
  clientVersion: 'leaf',
  conditions: 'output',
  createTime: 'output',
  creator: 'output',
  deleteTime: 'output',
  etag: 'output',
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
  buildConfig: 'leaf',
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
  latestCreatedExecution: 'output',
  runExecutionToken: 'leaf',
  startExecutionToken: 'leaf',
  template: {
    annotations: 'leaf',
    client: 'leaf',
    clientVersion: 'leaf',
    delayExecution: 'leaf',
    labels: 'leaf',
    parallelism: 'leaf',
    taskCount: 'leaf',
    template: TASK_TEMPLATE
  }
}

export const WORKER_POOL_FIELDS: Shape = {
  ...COMMON,
  customAudiences: 'leaf',
  description: 'leaf',
  instanceSplits: [{ percent: 'leaf', revision: 'leaf', type: 'leaf' }],
  instanceSplitStatuses: 'output',
  latestCreatedRevision: 'output',
  latestReadyRevision: 'output',
  scaling: { manualInstanceCount: 'leaf' },
  template: WORKER_POOL_TEMPLATE,
  threatDetectionEnabled: 'output'
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

class ProblemFound extends Error {
  constructor(readonly problem: FieldProblem) {
    super(`${problem.path} ${problem.problem}`)
  }
}

/**
 * The document with field names in lowerCamelCase and output-only fields dropped, or the first
 * problem found in it.
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
      const field = Object.hasOwn(fields, name) ? fields[name] : undefined
      if (field === undefined) {
        const near = suggestion(name, Object.keys(fields))
        fail(path, `is not a field here${near ? ` (did you mean ${near}?)` : ''}`)
      }
      if (field === 'output') continue
      if (child === null || field === 'leaf') {
        out[name] = child
      } else if (Array.isArray(field)) {
        if (!Array.isArray(child)) fail(path, 'must be a list')
        out[name] = child.map((item: unknown, index) => {
          if (!isRecord(item)) fail(`${path}[${index}]`, 'must be an object')
          return walk(item, field[0], `${path}[${index}]`)
        })
      } else {
        if (!isRecord(child)) fail(path, 'must be an object')
        out[name] = walk(child, field as Shape, path)
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
