/**
 * fields.ts against the API's own description: googleapis' generated run v2 types, read at test time.
 * Each property of an `interface Schema$...` carries the API's field comment as JSDoc, and a field the
 * API marks OUTPUT_ONLY has a comment containing "Output only.". A googleapis upgrade that adds a field
 * (output only or not) fails here until fields.ts has it.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { run_v2 } from 'googleapis/build/src/apis/run/v2.js'
import type { ResourceKind } from '../../src/config.js'
import { FIELDS, withoutOutputOnly, type Shape } from '../../src/deploy/fields.js'

const TYPES = join('node_modules', 'googleapis', 'build', 'src', 'apis', 'run', 'v2.d.ts')

const ROOTS: Record<ResourceKind, string> = {
  service: 'Schema$GoogleCloudRunV2Service',
  job: 'Schema$GoogleCloudRunV2Job',
  workerPool: 'Schema$GoogleCloudRunV2WorkerPool'
}

interface Property {
  /** The JSDoc text above the property, undefined when it has none. */
  readonly doc: string | undefined
  /** The declared type, on one line. */
  readonly type: string
}
type Schemas = ReadonlyMap<string, ReadonlyMap<string, Property>>

/**
 * The `export interface Schema$...` declarations of a googleapis .d.ts, property by property. The
 * generator prints each interface at four spaces, its properties at eight, a JSDoc block right above a
 * property, and a multi-line type (`{ [key: string]: string; } | null`) closing at eight spaces.
 */
function readSchemas(text: string): Schemas {
  const schemas = new Map<string, Map<string, Property>>()
  const lines = text.split('\n')
  let current: Map<string, Property> | undefined
  let doc: string[] | undefined
  let lastDoc: string | undefined
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    const start = /^ {4}export interface (Schema\$\w+) \{(\})?$/.exec(line)
    if (start) {
      current = new Map()
      schemas.set(start[1] ?? '', current)
      if (start[2]) current = undefined
      continue
    }
    if (!current) continue
    if (/^ {4}\}$/.test(line)) {
      current = undefined
    } else if (line === '        /**') {
      doc = []
    } else if (doc && line === '         */') {
      lastDoc = doc.join(' ')
      doc = undefined
    } else if (doc) {
      doc.push(line.replace(/^ {9}\* ?/, ''))
    } else {
      const property = /^ {8}(\w+)\??: (.*)$/.exec(line)
      if (!property) throw new Error(`${TYPES}:${i + 1}: not understood: ${line}`)
      let type = property[2] ?? ''
      const open = () => (type.match(/\{/g) ?? []).length - (type.match(/\}/g) ?? []).length
      while (open() > 0 && i + 1 < lines.length) type += ` ${(lines[++i] ?? '').trim()}`
      current.set(property[1] ?? '', { doc: lastDoc, type })
      lastDoc = undefined
    }
  }
  return schemas
}

/** Field paths as fields.ts and the tests write them: `template.containers[].buildInfo`. */
interface Paths {
  readonly known: Set<string>
  readonly outputOnly: Set<string>
}

/**
 * Every field path reachable from a schema, following properties typed as another schema, a list of
 * them or a map of them (`name{}`). Nothing under an output-only field is visited: it goes as a whole.
 */
function apiPaths(schemas: Schemas, root: string): Paths {
  const paths: Paths = { known: new Set(), outputOnly: new Set() }
  const visit = (name: string, at: string, seen: readonly string[]) => {
    const properties = schemas.get(name)
    if (!properties) throw new Error(`${name} is not declared in ${TYPES}`)
    for (const [field, { doc, type }] of properties) {
      const path = at ? `${at}.${field}` : field
      // Without its comment nothing tells whether the field is output only: a human must look.
      if (doc === undefined) throw new Error(`${name}.${field} has no comment in ${TYPES}`)
      paths.known.add(path)
      if (doc.includes('Output only.')) {
        paths.outputOnly.add(path)
        continue
      }
      const reference =
        /^(Schema\$\w+)(\[\])?;$/.exec(type) ??
        /^\{ \[key: string\]: (Schema\$\w+)(); \}( \| null)?;$/.exec(type)
      if (!reference) continue
      const [, schema = '', list] = reference
      if (seen.includes(schema)) throw new Error(`${path}: ${schema} contains itself`)
      const suffix = list === '[]' ? '[]' : type.startsWith('{') ? '{}' : ''
      visit(schema, `${path}${suffix}`, [...seen, schema])
    }
  }
  visit(root, '', [root])
  return paths
}

function shapePaths(
  shape: Shape,
  at = '',
  paths: Paths = { known: new Set(), outputOnly: new Set() }
) {
  for (const [field, kind] of Object.entries(shape)) {
    const path = at ? `${at}.${field}` : field
    paths.known.add(path)
    if (kind === 'output') paths.outputOnly.add(path)
    else if (Array.isArray(kind)) shapePaths((kind as readonly [Shape])[0], `${path}[]`, paths)
    else if (kind !== 'leaf') shapePaths(kind as Shape, path, paths)
  }
  return paths
}

const sorted = (set: ReadonlySet<string>) => [...set].sort()

/** What fields.ts must add (or mark), and what it has that the API does not: both empty when they agree. */
const disagreement = (fieldsTs: ReadonlySet<string>, api: ReadonlySet<string>) => ({
  missingInFieldsTs: sorted(api).filter(path => !fieldsTs.has(path)),
  notInTheApi: sorted(fieldsTs).filter(path => !api.has(path))
})
const AGREEMENT = { missingInFieldsTs: [], notInTheApi: [] }
const under = (prefix: string, paths: readonly string[]) => paths.map(path => `${prefix}${path}`)

/** gcloud 578's GoogleCloudRunV2BuildConfiguration, a container's `buildConfig`. */
const CONTAINER_BUILD_CONFIG = [
  'buildConfig',
  'buildConfig.buildpacksBuild',
  'buildConfig.buildpacksBuild.buildBaseImageUri',
  'buildConfig.buildpacksBuild.cacheImageUri',
  'buildConfig.buildpacksBuild.environmentVariables',
  'buildConfig.dockerBuild',
  'buildConfig.imageRepositoryUri',
  'buildConfig.tags',
  'buildConfig.workerConfiguration',
  'buildConfig.workerConfiguration.cloudBuildWorkerConfiguration',
  'buildConfig.workerConfiguration.cloudBuildWorkerConfiguration.machineType',
  'buildConfig.workerConfiguration.cloudBuildWorkerConfiguration.workerPool'
]
/**
 * Writable fields fields.ts knows although googleapis 188's types lack them, found in google-cloud-sdk
 * 578.0.0's lib/googlecloudsdk/generated_clients/apis/run/v2/run_v2_messages.py (generated from the
 * Cloud Run Admin API v2 discovery document), where each is "Optional.". Facts as data.
 */
const NOT_IN_GOOGLEAPIS: Record<ResourceKind, readonly string[]> = {
  service: [
    'template.terminationGracePeriod',
    ...under('template.containers[].', CONTAINER_BUILD_CONFIG)
  ],
  job: [
    'template.priorityTier',
    'template.template.terminationGracePeriod',
    ...under('template.template.containers[].', CONTAINER_BUILD_CONFIG)
  ],
  workerPool: [
    'scaling.cpuScaling',
    'scaling.cpuScaling.cpuUtilization',
    'scaling.maxInstanceCount',
    'scaling.maxSurge',
    'scaling.minInstanceCount',
    'scaling.pubsubScalings',
    'scaling.pubsubScalings[].metricName',
    'scaling.pubsubScalings[].subscription',
    'scaling.pubsubScalings[].targetValue',
    'scaling.scalingMode',
    'template.terminationGracePeriod',
    ...under('template.containers[].', CONTAINER_BUILD_CONFIG)
  ]
}

const schemas = readSchemas(readFileSync(TYPES, 'utf8'))
const KINDS = Object.keys(ROOTS) as ResourceKind[]

describe('reading v2.d.ts', () => {
  test('every property of every Schema interface is read, with its comment', () => {
    const declared = readFileSync(TYPES, 'utf8')
      .split(/^ {4}export interface Schema\$/m)
      .slice(1)
      .map(body => body.slice(0, body.search(/^ {4}\}$/m)))
      .reduce((count, body) => count + (body.match(/^ {8}\w+\??: /gm) ?? []).length, 0)
    const read = [...schemas.values()].reduce((count, properties) => count + properties.size, 0)
    expect(read).toBe(declared)
    expect(schemas.get('Schema$GoogleCloudRunV2Container')?.get('buildInfo')?.doc).toMatch(
      /^Output only\. /
    )
  })

  test.each([
    ['service', 'threatDetectionEnabled'],
    ['service', 'template.containers[].buildInfo'],
    ['service', 'buildConfig.name'],
    ['job', 'latestCreatedExecution'],
    ['job', 'template.template.containers[].buildInfo'],
    ['workerPool', 'instanceSplitStatuses'],
    ['workerPool', 'threatDetectionEnabled'],
    ['workerPool', 'template.containers[].buildInfo']
  ] as const)('%s: %s is output only', (kind, path) => {
    expect(apiPaths(schemas, ROOTS[kind]).outputOnly).toContain(path)
  })

  test('a map of schemas is followed, a list of free-form objects is a leaf', () => {
    const paths = apiPaths(
      readSchemas(
        [
          '    export interface Schema$Root {',
          '        /**',
          '         * Optional. A map.',
          '         */',
          '        steps?: {',
          '            [key: string]: Schema$Step;',
          '        } | null;',
          '        /**',
          '         * A list of',
          '         * free-form objects.',
          '         */',
          '        details?: Array<{',
          '            [key: string]: any;',
          '        }> | null;',
          '    }',
          '    export interface Schema$Step {',
          '        /**',
          '         * Output only. When.',
          '         */',
          '        at?: string | null;',
          '    }',
          '    export interface Schema$Empty {}',
          ''
        ].join('\n')
      ),
      'Schema$Root'
    )
    expect(sorted(paths.known)).toEqual(['details', 'steps', 'steps{}.at'])
    expect(sorted(paths.outputOnly)).toEqual(['steps{}.at'])
  })
})

describe.each(KINDS)('fields.ts agrees with googleapis for a %s', kind => {
  const api = apiPaths(schemas, ROOTS[kind])
  const shape = shapePaths(FIELDS[kind])

  test('the same fields are output only', () => {
    expect(disagreement(shape.outputOnly, api.outputOnly)).toEqual(AGREEMENT)
  })

  test('the same fields are known, and those googleapis lacks are listed with their source', () => {
    const known = new Set([...api.known, ...NOT_IN_GOOGLEAPIS[kind]])
    expect(disagreement(shape.known, known)).toEqual(AGREEMENT)
  })

  test('a field googleapis has caught up with leaves the list, so its own comment decides', () => {
    expect(NOT_IN_GOOGLEAPIS[kind].filter(path => api.known.has(path))).toEqual([])
  })
})

/**
 * A resource as a GET answers it at its fullest: every field the API describes set, output-only ones
 * included (with their nested objects), each list with one element, each map with one entry.
 */
function fullResource(name: string): Record<string, unknown> {
  const properties = schemas.get(name) ?? new Map<string, Property>()
  const resource: Record<string, unknown> = {}
  for (const [field, { type }] of properties) {
    const reference = /^(Schema\$\w+)(\[\])?;$/.exec(type)
    if (reference) {
      const value = fullResource(reference[1] ?? '')
      resource[field] = reference[2] ? [value] : value
    } else if (type.startsWith('{')) resource[field] = { key: `${field}-value` }
    else if (type.startsWith('string[]')) resource[field] = [`${field}-value`]
    else if (type.startsWith('boolean')) resource[field] = true
    else if (type.startsWith('number')) resource[field] = 7
    else resource[field] = `${field}-value`
  }
  return resource
}

/** The field paths a value holds, as apiPaths writes them (map entries are data, not fields). */
function pathsIn(value: Record<string, unknown>, shape: Shape, at = ''): string[] {
  return Object.entries(value).flatMap(([field, child]) => {
    const path = at ? `${at}.${field}` : field
    const kind = shape[field]
    if (Array.isArray(kind) && Array.isArray(child)) {
      return [path, ...pathsIn(child[0] as Record<string, unknown>, kind[0] as Shape, `${path}[]`)]
    }
    if (kind !== undefined && typeof kind === 'object' && !Array.isArray(kind)) {
      return [path, ...pathsIn(child as Record<string, unknown>, kind as Shape, path)]
    }
    return [path]
  })
}

describe.each(KINDS)('withoutOutputOnly on the fullest %s the API describes', kind => {
  const api = apiPaths(schemas, ROOTS[kind])
  const get = fullResource(ROOTS[kind])

  test('removes exactly the output-only fields, at every depth', () => {
    const writable = [...api.known].filter(
      path => ![...api.outputOnly].some(output => path === output || path.startsWith(`${output}.`))
    )
    expect(pathsIn(withoutOutputOnly(kind, get), FIELDS[kind]).sort()).toEqual(writable.sort())
  })

  test('leaves the resource it was given as it was', () => {
    const before = structuredClone(get)
    withoutOutputOnly(kind, get)
    expect(get).toEqual(before)
  })
})

// Resources as the Admin API answers a GET (shapes per googleapis 188's Schema types; values made up).
const REVISIONS = 'projects/myproject-a/locations/asia-northeast1/services/api/revisions'
const READY = {
  type: 'Ready',
  state: 'CONDITION_SUCCEEDED',
  lastTransitionTime: '2025-06-01T10:00:03.123456Z'
}
const AUDIT = {
  uid: '0b5e4e5c-8f0a-4f7e-9a53-64d3c1f2a7b1',
  generation: '4',
  createTime: '2025-05-01T09:00:00.000000Z',
  updateTime: '2025-06-01T10:00:00.000000Z',
  creator: 'deployer@myproject-a.iam.gserviceaccount.com',
  lastModifier: 'deployer@myproject-a.iam.gserviceaccount.com',
  observedGeneration: '4',
  terminalCondition: READY,
  conditions: [{ type: 'RoutesReady', state: 'CONDITION_SUCCEEDED' }],
  reconciling: false,
  satisfiesPzs: false
}
const WRITABLE = {
  labels: { team: 'payments' },
  annotations: { 'example.com/owner': 'payments' },
  client: 'gcloud',
  clientVersion: '578.0.0',
  launchStage: 'GA',
  etag: '"CJrS6sEGEJiT3ZkC/cHJvamVjdHMvbXlwcm9qZWN0LWE"'
}
const BUILD_INFO = { functionTarget: 'handler', sourceLocation: 'gs://bucket/source.zip' }
const container = (image: string) => ({
  name: 'app',
  image,
  ports: [{ name: 'http1', containerPort: 8080 }],
  env: [{ name: 'TOKEN', valueSource: { secretKeyRef: { secret: 'token', version: 'latest' } } }],
  resources: { limits: { cpu: '1000m', memory: '512Mi' }, cpuIdle: true, startupCpuBoost: true },
  startupProbe: { tcpSocket: { port: 8080 }, timeoutSeconds: 240, periodSeconds: 240 },
  volumeMounts: [{ name: 'config', mountPath: '/etc/config' }]
})
const VOLUMES = [
  { name: 'config', secret: { secret: 'config', items: [{ path: 'app.yaml', version: '2' }] } }
]
const IMAGE = 'asia-northeast1-docker.pkg.dev/myproject-b/myrepo/api@sha256:' + 'a'.repeat(64)

const SERVICE_GET = {
  name: 'projects/myproject-a/locations/asia-northeast1/services/api',
  ...AUDIT,
  ...WRITABLE,
  ingress: 'INGRESS_TRAFFIC_ALL',
  defaultUriDisabled: false,
  buildConfig: {
    name: 'projects/123456789012/locations/asia-northeast1/builds/5d0c2a9e',
    sourceLocation: 'gs://bucket/source.zip',
    functionTarget: 'handler',
    enableAutomaticUpdates: true
  },
  template: {
    revision: 'api-00004-xyz',
    scaling: { maxInstanceCount: 100 },
    timeout: '300s',
    serviceAccount: 'runtime@myproject-a.iam.gserviceaccount.com',
    maxInstanceRequestConcurrency: 80,
    containers: [{ ...container(IMAGE), buildInfo: BUILD_INFO }],
    volumes: VOLUMES
  },
  traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }],
  latestReadyRevision: `${REVISIONS}/api-00004-xyz`,
  latestCreatedRevision: `${REVISIONS}/api-00004-xyz`,
  trafficStatuses: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }],
  uri: 'https://api-abcdefghij-an.a.run.app',
  urls: ['https://api-123456789012.asia-northeast1.run.app'],
  threatDetectionEnabled: true
} satisfies run_v2.Schema$GoogleCloudRunV2Service
const SERVICE_WRITE = {
  name: 'projects/myproject-a/locations/asia-northeast1/services/api',
  ...WRITABLE,
  ingress: 'INGRESS_TRAFFIC_ALL',
  defaultUriDisabled: false,
  buildConfig: {
    sourceLocation: 'gs://bucket/source.zip',
    functionTarget: 'handler',
    enableAutomaticUpdates: true
  },
  template: {
    revision: 'api-00004-xyz',
    scaling: { maxInstanceCount: 100 },
    timeout: '300s',
    serviceAccount: 'runtime@myproject-a.iam.gserviceaccount.com',
    maxInstanceRequestConcurrency: 80,
    containers: [container(IMAGE)],
    volumes: VOLUMES
  },
  traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }]
} satisfies run_v2.Schema$GoogleCloudRunV2Service

const JOB_GET = {
  name: 'projects/myproject-a/locations/asia-northeast1/jobs/myjob',
  ...AUDIT,
  ...WRITABLE,
  template: {
    taskCount: 3,
    parallelism: 3,
    template: {
      maxRetries: 3,
      timeout: '600s',
      serviceAccount: 'runtime@myproject-a.iam.gserviceaccount.com',
      containers: [{ ...container(IMAGE), buildInfo: BUILD_INFO }],
      volumes: VOLUMES,
      executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2'
    }
  },
  executionCount: 12,
  latestCreatedExecution: {
    name: 'projects/myproject-a/locations/asia-northeast1/jobs/myjob/executions/myjob-x7k2p',
    createTime: '2025-06-01T10:05:00.000000Z',
    completionTime: '2025-06-01T10:06:00.000000Z',
    completionStatus: 'EXECUTION_SUCCEEDED'
  }
} satisfies run_v2.Schema$GoogleCloudRunV2Job
const JOB_WRITE = {
  name: 'projects/myproject-a/locations/asia-northeast1/jobs/myjob',
  ...WRITABLE,
  template: {
    taskCount: 3,
    parallelism: 3,
    template: {
      maxRetries: 3,
      timeout: '600s',
      serviceAccount: 'runtime@myproject-a.iam.gserviceaccount.com',
      containers: [container(IMAGE)],
      volumes: VOLUMES,
      executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2'
    }
  }
} satisfies run_v2.Schema$GoogleCloudRunV2Job

const POOL = 'projects/myproject-a/locations/asia-northeast1/workerPools/pool'
const WORKER_POOL_GET = {
  name: POOL,
  ...AUDIT,
  ...WRITABLE,
  scaling: { manualInstanceCount: 2 },
  template: {
    revision: 'pool-00002-abc',
    containers: [{ ...container(IMAGE), buildInfo: BUILD_INFO }],
    volumes: VOLUMES
  },
  instanceSplits: [{ type: 'INSTANCE_SPLIT_ALLOCATION_TYPE_LATEST', percent: 100 }],
  instanceSplitStatuses: [{ type: 'INSTANCE_SPLIT_ALLOCATION_TYPE_LATEST', percent: 100 }],
  latestReadyRevision: `${POOL}/revisions/pool-00002-abc`,
  latestCreatedRevision: `${POOL}/revisions/pool-00002-abc`,
  threatDetectionEnabled: false
} satisfies run_v2.Schema$GoogleCloudRunV2WorkerPool
const WORKER_POOL_WRITE = {
  name: POOL,
  ...WRITABLE,
  scaling: { manualInstanceCount: 2 },
  template: {
    revision: 'pool-00002-abc',
    containers: [container(IMAGE)],
    volumes: VOLUMES
  },
  instanceSplits: [{ type: 'INSTANCE_SPLIT_ALLOCATION_TYPE_LATEST', percent: 100 }]
} satisfies run_v2.Schema$GoogleCloudRunV2WorkerPool

describe('withoutOutputOnly', () => {
  test.each<[string, ResourceKind, Record<string, unknown>, Record<string, unknown>]>([
    [
      'a service: threatDetectionEnabled',
      'service',
      { threatDetectionEnabled: true, description: 'x' },
      { description: 'x' }
    ],
    [
      'a worker pool: threatDetectionEnabled and instanceSplitStatuses',
      'workerPool',
      {
        threatDetectionEnabled: false,
        instanceSplits: [{ type: 'INSTANCE_SPLIT_ALLOCATION_TYPE_LATEST', percent: 100 }],
        instanceSplitStatuses: [{ type: 'INSTANCE_SPLIT_ALLOCATION_TYPE_LATEST', percent: 100 }]
      },
      { instanceSplits: [{ type: 'INSTANCE_SPLIT_ALLOCATION_TYPE_LATEST', percent: 100 }] }
    ],
    [
      "a service: every container's buildInfo, sidecars included",
      'service',
      {
        template: {
          containers: [
            { image: 'a', buildInfo: BUILD_INFO },
            { name: 'sidecar', image: 'b', buildInfo: { sourceLocation: 'gs://b' } }
          ]
        }
      },
      { template: { containers: [{ image: 'a' }, { name: 'sidecar', image: 'b' }] } }
    ],
    [
      "a job: the task template's containers' buildInfo, two templates down",
      'job',
      { template: { template: { containers: [{ image: 'a', buildInfo: BUILD_INFO }] } } },
      { template: { template: { containers: [{ image: 'a' }] } } }
    ],
    [
      'a worker pool: buildInfo',
      'workerPool',
      { template: { containers: [{ image: 'a', buildInfo: BUILD_INFO }] } },
      { template: { containers: [{ image: 'a' }] } }
    ],
    [
      'a service: the name of its function build, but not the rest of buildConfig',
      'service',
      { buildConfig: { name: 'projects/p/locations/l/builds/b', functionTarget: 'f' } },
      { buildConfig: { functionTarget: 'f' } }
    ],
    [
      'a job: executionCount and latestCreatedExecution',
      'job',
      { executionCount: 3, latestCreatedExecution: { name: 'e' }, startExecutionToken: 't' },
      { startExecutionToken: 't' }
    ],
    [
      'a service: the etag stays, so that the update fails if the service changed since it was read',
      'service',
      { etag: '"abc"', uid: 'u' },
      { etag: '"abc"' }
    ],
    [
      'fields it does not know stay: they may be writable fields newer than googleapis 188',
      'service',
      { someNewField: { a: 1 }, template: { someNewTemplateField: true, containers: [] } },
      { someNewField: { a: 1 }, template: { someNewTemplateField: true, containers: [] } }
    ],
    [
      'maps are data: a label or limit named like an output-only field stays',
      'service',
      {
        labels: { uid: 'x', buildInfo: 'y' },
        template: { containers: [{ resources: { limits: { uri: 'z' } } }] }
      },
      {
        labels: { uid: 'x', buildInfo: 'y' },
        template: { containers: [{ resources: { limits: { uri: 'z' } } }] }
      }
    ],
    [
      'proto field names are matched too',
      'service',
      {
        threat_detection_enabled: true,
        template: { containers: [{ build_info: {}, image: 'a' }] }
      },
      { template: { containers: [{ image: 'a' }] } }
    ],
    [
      "values not of the field's form are left for the API to judge",
      'service',
      { template: { containers: 'nginx', volumes: [null, 'v'] }, traffic: null, scaling: 3 },
      { template: { containers: 'nginx', volumes: [null, 'v'] }, traffic: null, scaling: 3 }
    ],
    ['a full GET of a service', 'service', SERVICE_GET, SERVICE_WRITE],
    ['a full GET of a job', 'job', JOB_GET, JOB_WRITE],
    ['a full GET of a worker pool', 'workerPool', WORKER_POOL_GET, WORKER_POOL_WRITE]
  ])('%s', (_name, kind, resource, expected) => {
    const before = structuredClone(resource)
    expect(withoutOutputOnly(kind, resource)).toStrictEqual(expected)
    expect(resource).toStrictEqual(before)
  })

  test('a `__proto__` key stays data', () => {
    const resource = JSON.parse('{"labels":{"a":"b"},"__proto__":{"uid":"x"}}') as Record<
      string,
      unknown
    >
    const result = withoutOutputOnly('service', resource)
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype)
    expect(Object.keys(result)).toEqual(['labels', '__proto__'])
  })
})
