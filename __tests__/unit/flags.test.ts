import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { run_v2 } from 'googleapis/build/src/apis/run/v2.js'
import { parse } from 'yaml'
import type { ResourceKind } from '../../src/config.js'
import {
  applyCloudSql,
  applyFieldSettings,
  DEDICATED_FLAG,
  DEDICATED_INPUT,
  gcloudDuration,
  REFUSED_FLAGS,
  splitFlags,
  splitGcloudList,
  SUPPORTED_FLAGS,
  translateFlags,
  type CloudSqlEdit,
  type CloudSqlPod,
  type FieldSetting,
  type FlagsTranslation
} from '../../src/dialects/flags.js'
import { ActionError, InputEntryError } from '../../src/errors.js'

type Container = run_v2.Schema$GoogleCloudRunV2Container

/** A field setting as [scope, dotted path, value], `onlyIfAbsent` as a fourth item when there is one. */
type Row = [string, string, unknown] | [string, string, unknown, string]
const rows = (fields: readonly FieldSetting[]): Row[] =>
  fields.map(f => {
    const row: Row = [f.scope, f.path.join('.'), f.value]
    return f.onlyIfAbsent ? [...row, f.onlyIfAbsent.join('.')] : row
  })

function errorOf(raw: string, kind: ResourceKind = 'service'): ActionError {
  try {
    translateFlags(raw, kind)
  } catch (error) {
    if (error instanceof ActionError) return error
    throw error
  }
  throw new Error(`translateFlags accepted ${raw}`)
}

const S: ResourceKind = 'service'
const J: ResourceKind = 'job'
const W: ResourceKind = 'workerPool'

describe('splitFlags: a POSIX shell word split, without expansion', () => {
  // Each vector was checked against dash: eval "set -- $raw" (one line at a time).
  test.each<[string, string[]]>([
    ['--cpu=2 --memory=1Gi', ['--cpu=2', '--memory=1Gi']],
    ['  --cpu 2\t--memory   1Gi  \n', ['--cpu', '2', '--memory', '1Gi']],
    ['--cpu=2\n--memory=1Gi\r\n--concurrency=5', ['--cpu=2', '--memory=1Gi', '--concurrency=5']],
    ['--set-env-vars="A=1,B=2"', ['--set-env-vars=A=1,B=2']],
    ["--set-env-vars='A=x y'", ['--set-env-vars=A=x y']],
    ['--set-env-vars=A="x y",B=z', ['--set-env-vars=A=x y,B=z']],
    [`--description "it's fine"`, ['--description', "it's fine"]],
    [`--description 'say "hi"'`, ['--description', 'say "hi"']],
    ['--args="a \\"b\\" \\\\c \\d \\$"', ['--args=a "b" \\c \\d $']],
    ['--args=a\\ b\\,c', ['--args=a b,c']],
    ["--args=''", ['--args=']],
    ['--args ""', ['--args', '']],
    ['--a=x\\\n--b', ['--a=x--b']],
    ['--args="line1\nline2"', ['--args=line1\nline2']],
    ['--args="a\\\nb"', ['--args=ab']],
    [`'--args=-X=123' "--update-env-vars=K=v"`, ['--args=-X=123', '--update-env-vars=K=v']],
    [`--args='a'"b"c`, ['--args=abc']],
    ["--description=\\'quoted\\'", ["--description='quoted'"]],
    ["--x='a\\b'", ['--x=a\\b']],
    ['--args=a\\\\b', ['--args=a\\b']],
    ['--description=$HOME', ['--description=$HOME']],
    ['--a # a comment', ['--a']],
    ['--a #c1\n--b=x#y #c2 "q\n--c', ['--a', '--b=x#y', '--c']],
    ['--a "#not" \\#not2 #yes', ['--a', '#not', '#not2']],
    ['x\\', ['x\\']],
    ['', []],
    [' \n\t ', []]
  ])('%j', (raw, words) => {
    expect(splitFlags(raw)).toEqual(words)
  })

  test.each([
    ["--a --description='never closed", 'word 2 opens a single quote'],
    ['--a="x" --b "never closed', 'word 3 opens a double quote'],
    ['--a="x\\"', 'word 1 opens a double quote']
  ])('an unterminated quote is an error naming the word, not its text: %j', (raw, message) => {
    const error = errorOf(raw)
    expect(error.message).toContain(`Input flags: ${message} that is never closed`)
    expect(error.message).not.toContain('never closed"')
    expect(error.message).not.toMatch(/x|--a|--b/)
  })
})

describe("gcloud's list syntax (ArgList), with the ^DELIM^ escape", () => {
  // Vectors from calliope/arg_parsers.py ArgList's docstring, and its _SplitOnDelim rules.
  test.each<[string, string[]]>([
    ['a,b,c', ['a', 'b', 'c']],
    ['a,b,', ['a', 'b']],
    ['a,,b', ['a', '', 'b']],
    ['', []],
    ['^:^a,b:c', ['a,b', 'c']],
    ['^::^a:b::c', ['a:b', 'c']],
    // The docstring says [^a^, ",b", c]; the code it documents splits '^a^,b,c' on ",".
    ['^,^^a^,b,c', ['^a^', 'b', 'c']],
    ['^|^x,1|y=2|', ['x,1', 'y=2']],
    ['^a', ['^a']]
  ])('%j', (value, items) => {
    expect(splitGcloudList(value)).toEqual(items)
  })

  test('"^^" names no delimiter', () => {
    expect(errorOf('--args=^^a,b').message).toBe(
      'Input flags: entry 1 (--args): expected a comma-separated list (or ^DELIM^ first to split on another delimiter, e.g. ^:^a,b:c); "^^" names no delimiter.'
    )
  })
})

describe("gcloud's durations", () => {
  test.each([
    ['300', '300s'],
    ['300s', '300s'],
    ['5m', '300s'],
    ['1h', '3600s'],
    ['1h30m', '5400s'],
    ['10m5s', '605s'],
    ['PT5M', '300s'],
    ['pt1h2m3s', '3723s'],
    ['1.5h', '5400s'],
    ['1d', '86400s'],
    ['2000ms', '2s'],
    ['1', '1s']
  ])('%s is %s', (value, duration) => {
    expect(gcloudDuration(value)).toBe(duration)
  })

  test.each(['0', '0s', '500ms', '1.5s', 'P5M', '1y', '5x', 'm', 'PT', '-5s', '1h 2m', ''])(
    '%j is refused',
    value => {
      expect(() => gcloudDuration(value)).toThrow(/a duration of at least 1s in whole seconds/)
    }
  )
})

const MAPPINGS: [string, ResourceKind[], Row[]][] = [
  // Resources.
  ['--cpu=2', [J, W], [['container', 'resources.limits.cpu', '2']]],
  [
    '--cpu=2',
    [S],
    [
      ['container', 'resources.limits.cpu', '2'],
      ['container', 'resources.cpuIdle', true, 'resources']
    ]
  ],
  ['--cpu=500m', [J], [['container', 'resources.limits.cpu', '500m']]],
  ['--cpu=0.5', [W], [['container', 'resources.limits.cpu', '0.5']]],
  ['--memory=512Mi', [J, W], [['container', 'resources.limits.memory', '512Mi']]],
  [
    '--memory=2Gi',
    [S],
    [
      ['container', 'resources.limits.memory', '2Gi'],
      ['container', 'resources.cpuIdle', true, 'resources']
    ]
  ],
  ['--gpu=1', [J, W], [['container', 'resources.limits.nvidia.com/gpu', '1']]],
  [
    '--gpu=1 --no-cpu-throttling',
    [S],
    [
      ['container', 'resources.limits.nvidia.com/gpu', '1'],
      ['container', 'resources.cpuIdle', false]
    ]
  ],
  [
    '--gpu=0',
    [S, J, W],
    [
      ['container', 'resources.limits.nvidia.com/gpu', undefined],
      ['revision', 'nodeSelector', undefined],
      ['revision', 'gpuZonalRedundancyDisabled', undefined]
    ]
  ],
  ['--gpu-type=nvidia-l4', [S, J, W], [['revision', 'nodeSelector.accelerator', 'nvidia-l4']]],
  ['--gpu-zonal-redundancy', [S, J, W], [['revision', 'gpuZonalRedundancyDisabled', false]]],
  ['--no-gpu-zonal-redundancy', [S, J, W], [['revision', 'gpuZonalRedundancyDisabled', true]]],
  ['--cpu-throttling', [S], [['container', 'resources.cpuIdle', true]]],
  ['--no-cpu-throttling', [S], [['container', 'resources.cpuIdle', false]]],
  ['--cpu-boost', [S], [['container', 'resources.startupCpuBoost', true]]],
  ['--no-cpu-boost', [S], [['container', 'resources.startupCpuBoost', false]]],
  // Scaling.
  ['--concurrency=80', [S], [['revision', 'maxInstanceRequestConcurrency', 80]]],
  ['--concurrency=default', [S], [['revision', 'maxInstanceRequestConcurrency', undefined]]],
  ['--min-instances=1', [S], [['revision', 'scaling.minInstanceCount', 1]]],
  ['--min-instances=0', [S], [['revision', 'scaling.minInstanceCount', undefined]]],
  ['--min-instances=default', [S], [['revision', 'scaling.minInstanceCount', undefined]]],
  ['--max-instances=10', [S], [['revision', 'scaling.maxInstanceCount', 10]]],
  ['--max-instances=default', [S], [['revision', 'scaling.maxInstanceCount', undefined]]],
  ['--min=2', [S], [['resource', 'scaling.minInstanceCount', 2]]],
  ['--min=default', [S], [['resource', 'scaling.minInstanceCount', undefined]]],
  ['--max=20', [S], [['resource', 'scaling.maxInstanceCount', 20]]],
  [
    '--scaling=auto',
    [S],
    [
      ['resource', 'scaling.scalingMode', 'AUTOMATIC'],
      ['resource', 'scaling.manualInstanceCount', undefined]
    ]
  ],
  [
    '--scaling=3',
    [S],
    [
      ['resource', 'scaling.scalingMode', 'MANUAL'],
      ['resource', 'scaling.manualInstanceCount', 3],
      ['resource', 'scaling.minInstanceCount', undefined],
      ['resource', 'scaling.maxInstanceCount', undefined]
    ]
  ],
  ['--instances=2', [W], [['resource', 'scaling.manualInstanceCount', 2]]],
  // Requests.
  ['--port=9000', [S], [['container', 'ports.0.containerPort', 9000]]],
  ['--port=default', [S], [['container', 'ports', undefined]]],
  [
    '--use-http2',
    [S],
    [
      ['container', 'ports.0.name', 'h2c'],
      ['container', 'ports.0.containerPort', 8080, 'ports.0.containerPort']
    ]
  ],
  [
    '--use-http2 --port=9000',
    [S],
    [
      ['container', 'ports.0.name', 'h2c'],
      ['container', 'ports.0.containerPort', 9000]
    ]
  ],
  ['--no-use-http2', [S], [['container', 'ports.0.name', undefined]]],
  ['--timeout=10m', [S], [['revision', 'timeout', '600s']]],
  ['--ingress=all', [S], [['resource', 'ingress', 'INGRESS_TRAFFIC_ALL']]],
  ['--ingress=internal', [S], [['resource', 'ingress', 'INGRESS_TRAFFIC_INTERNAL_ONLY']]],
  [
    '--ingress=internal-and-cloud-load-balancing',
    [S],
    [['resource', 'ingress', 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER']]
  ],
  ['--session-affinity', [S], [['revision', 'sessionAffinity', true]]],
  ['--no-session-affinity', [S], [['revision', 'sessionAffinity', undefined]]],
  ['--default-url', [S], [['resource', 'defaultUriDisabled', false]]],
  ['--no-default-url', [S], [['resource', 'defaultUriDisabled', true]]],
  ['--deploy-health-check', [S], [['revision', 'healthCheckDisabled', false]]],
  ['--no-deploy-health-check', [S], [['revision', 'healthCheckDisabled', true]]],
  ['--allow-unauthenticated', [S], [['resource', 'invokerIamDisabled', true]]],
  ['--no-allow-unauthenticated', [S], [['resource', 'invokerIamDisabled', false]]],
  ['--invoker-iam-check', [S], [['resource', 'invokerIamDisabled', false]]],
  ['--no-invoker-iam-check', [S], [['resource', 'invokerIamDisabled', true]]],
  ['--description="The API"', [S, W], [['resource', 'description', 'The API']]],
  // The container.
  ['--command=npm,start', [S, J, W], [['container', 'command', ['npm', 'start']]]],
  ['--command=', [S, J, W], [['container', 'command', undefined]]],
  ['--args=--port=8080,-v', [S, J, W], [['container', 'args', ['--port=8080', '-v']]]],
  ["--args='^;^a,b;c d'", [S, J, W], [['container', 'args', ['a,b', 'c d']]]],
  ["--args=''", [S, J, W], [['container', 'args', undefined]]],
  ['--workdir=/app', [S, J, W], [['container', 'workingDir', '/app']]],
  ['--workdir=', [S, J, W], [['container', 'workingDir', undefined]]],
  [
    '--execution-environment=gen2',
    [S, J],
    [['revision', 'executionEnvironment', 'EXECUTION_ENVIRONMENT_GEN2']]
  ],
  [
    '--execution-environment=gen1',
    [S, J],
    [['revision', 'executionEnvironment', 'EXECUTION_ENVIRONMENT_GEN1']]
  ],
  // Jobs.
  ['--tasks=10', [J], [['execution', 'taskCount', 10]]],
  ['--parallelism=3', [J], [['execution', 'parallelism', 3]]],
  ['--parallelism=0', [J], [['execution', 'parallelism', undefined]]],
  ['--max-retries=0', [J], [['revision', 'maxRetries', 0]]],
  ['--task-timeout=1h', [J], [['revision', 'timeout', '3600s']]],
  // Networking.
  ['--vpc-connector=my-connector', [S, J], [['revision', 'vpcAccess.connector', 'my-connector']]],
  [
    '--vpc-connector=projects/p/locations/r/connectors/c',
    [S, J],
    [['revision', 'vpcAccess.connector', 'projects/p/locations/r/connectors/c']]
  ],
  [
    '--clear-vpc-connector',
    [S, J],
    [
      ['revision', 'vpcAccess.connector', undefined],
      ['revision', 'vpcAccess.egress', undefined]
    ]
  ],
  ['--vpc-egress=all-traffic', [S, J, W], [['revision', 'vpcAccess.egress', 'ALL_TRAFFIC']]],
  ['--vpc-egress=all', [S, J, W], [['revision', 'vpcAccess.egress', 'ALL_TRAFFIC']]],
  [
    '--vpc-egress=private-ranges-only',
    [S, J, W],
    [['revision', 'vpcAccess.egress', 'PRIVATE_RANGES_ONLY']]
  ],
  [
    '--network=default',
    [S, J, W],
    [['revision', 'vpcAccess.networkInterfaces.0.network', 'default']]
  ],
  ['--network=', [S, J, W], [['revision', 'vpcAccess.networkInterfaces.0.network', undefined]]],
  [
    '--subnet=sub-a',
    [S, J, W],
    [['revision', 'vpcAccess.networkInterfaces.0.subnetwork', 'sub-a']]
  ],
  [
    '--network-tags=web,db',
    [S, J, W],
    [['revision', 'vpcAccess.networkInterfaces.0.tags', ['web', 'db']]]
  ],
  [
    '--clear-network-tags',
    [S, J, W],
    [['revision', 'vpcAccess.networkInterfaces.0.tags', undefined]]
  ],
  [
    '--clear-network',
    [S, J, W],
    [
      ['revision', 'vpcAccess.networkInterfaces', undefined],
      ['revision', 'vpcAccess.egress', undefined]
    ]
  ],
  // Binary Authorization.
  [
    '--binary-authorization=default',
    [S, J, W],
    [
      ['resource', 'binaryAuthorization.useDefault', true],
      ['resource', 'binaryAuthorization.policy', undefined]
    ]
  ],
  [
    '--binary-authorization=projects/p/platforms/cloudRun/policies/strict',
    [S, J, W],
    [
      ['resource', 'binaryAuthorization.useDefault', undefined],
      ['resource', 'binaryAuthorization.policy', 'projects/p/platforms/cloudRun/policies/strict']
    ]
  ],
  ['--clear-binary-authorization', [S, J, W], [['resource', 'binaryAuthorization', undefined]]],
  [
    '--breakglass="incident 42"',
    [S, J, W],
    [['resource', 'binaryAuthorization.breakglassJustification', 'incident 42']]
  ]
]

const DEDICATED: [string, ResourceKind[], Partial<FlagsTranslation>][] = [
  [
    '--service-account=runtime@p.iam.gserviceaccount.com',
    [S, J, W],
    { runtimeServiceAccount: 'runtime@p.iam.gserviceaccount.com' }
  ],
  ['--revision-suffix=v42', [S, W], { suffix: 'v42' }],
  ["--revision-suffix=''", [S, W], { suffix: '' }],
  ['--tag=canary', [S], { tag: 'canary' }],
  ['--no-traffic', [S], { noTraffic: true }],
  [
    '--timeout=300',
    [S],
    {
      timeout: '300s',
      fields: [{ scope: 'revision', path: ['timeout'], value: '300s', flag: '--timeout' }]
    }
  ],
  [
    '--add-cloudsql-instances=p:us-central1:db,replica',
    [S, J, W],
    { cloudSql: { op: 'add', instances: ['p:us-central1:db', 'replica'] } }
  ],
  ['--set-cloudsql-instances=db', [S, J, W], { cloudSql: { op: 'set', instances: ['db'] } }],
  [
    '--remove-cloudsql-instances=^;^p:r:a;b',
    [S, J, W],
    { cloudSql: { op: 'remove', instances: ['p:r:a', 'b'] } }
  ],
  ['--clear-cloudsql-instances', [S, J, W], { cloudSql: { op: 'clear', instances: [] } }],
  [
    '--allow-unauthenticated',
    [S],
    { allowUnauthenticated: true, permissions: ['run.services.setIamPolicy'] }
  ],
  [
    '--no-allow-unauthenticated',
    [S],
    {
      allowUnauthenticated: false,
      permissions: ['run.services.setIamPolicy']
    }
  ],
  ['--no-invoker-iam-check', [S], { permissions: ['run.services.setIamPolicy'] }]
]

const ENTRIES: [string, ResourceKind[], keyof FlagsTranslation, unknown][] = [
  [
    '--remove-env-vars=A,B',
    [S, J, W],
    'envVars',
    { strategy: 'merge', entries: [], remove: ['A', 'B'], flag: '--remove-env-vars' }
  ],
  [
    '--set-secrets=TOKEN=tok:1',
    [W],
    'secrets',
    { strategy: 'overwrite', entries: [['TOKEN', 'tok:1']], remove: [], flag: '--set-secrets' }
  ],
  [
    '--set-env-vars=A=1,B=x=y',
    [S, J, W],
    'envVars',
    {
      strategy: 'overwrite',
      entries: [
        ['A', '1'],
        ['B', 'x=y']
      ],
      remove: [],
      flag: '--set-env-vars'
    }
  ],
  [
    '--update-env-vars=^:^LIST=a,b,c:EMPTY=',
    [S, J, W],
    'envVars',
    {
      strategy: 'merge',
      entries: [
        ['LIST', 'a,b,c'],
        ['EMPTY', '']
      ],
      remove: [],
      flag: '--update-env-vars'
    }
  ],
  [
    '--update-env-vars " A =1" --remove-env-vars " B, C"',
    [S],
    'envVars',
    {
      strategy: 'merge',
      entries: [['A', '1']],
      remove: ['B', 'C'],
      flag: '--update-env-vars and --remove-env-vars'
    }
  ],
  [
    '--clear-env-vars',
    [S, J, W],
    'envVars',
    { strategy: 'overwrite', entries: [], remove: [], flag: '--clear-env-vars' }
  ],
  [
    '--set-secrets=API_KEY=api:latest,/etc/creds/key.json=creds:2',
    [S, J],
    'secrets',
    {
      strategy: 'overwrite',
      entries: [
        ['API_KEY', 'api:latest'],
        ['/etc/creds/key.json', 'creds:2']
      ],
      remove: [],
      flag: '--set-secrets'
    }
  ],
  [
    '--update-secrets=TOKEN=projects/123/secrets/tok:3',
    [S, J, W],
    'secrets',
    {
      strategy: 'merge',
      entries: [['TOKEN', 'projects/123/secrets/tok:3']],
      remove: [],
      flag: '--update-secrets'
    }
  ],
  [
    '--remove-secrets=TOKEN',
    [S, J, W],
    'secrets',
    { strategy: 'merge', entries: [], remove: ['TOKEN'], flag: '--remove-secrets' }
  ],
  [
    '--clear-secrets',
    [S, J, W],
    'secrets',
    { strategy: 'overwrite', entries: [], remove: [], flag: '--clear-secrets' }
  ],
  [
    '--labels=team=core,tier=web',
    [S, J, W],
    'labels',
    {
      strategy: 'merge',
      entries: [
        ['team', 'core'],
        ['tier', 'web']
      ],
      remove: [],
      flag: '--labels'
    }
  ],
  [
    '--update-labels=team=core',
    [S, J, W],
    'labels',
    { strategy: 'merge', entries: [['team', 'core']], remove: [], flag: '--update-labels' }
  ],
  [
    '--remove-labels=old,stale',
    [S, J, W],
    'labels',
    { strategy: 'merge', entries: [], remove: ['old', 'stale'], flag: '--remove-labels' }
  ],
  [
    '--clear-labels',
    [S, J, W],
    'labels',
    { strategy: 'overwrite', entries: [], remove: [], flag: '--clear-labels' }
  ],
  [
    '--clear-labels --update-labels=team=core',
    [S],
    'labels',
    {
      strategy: 'overwrite',
      entries: [['team', 'core']],
      remove: [],
      flag: '--clear-labels and --update-labels'
    }
  ],
  [
    '--update-labels=a=1 --remove-labels=b',
    [W],
    'labels',
    {
      strategy: 'merge',
      entries: [['a', '1']],
      remove: ['b'],
      flag: '--update-labels and --remove-labels'
    }
  ]
]

describe('translateFlags: every supported flag, for every kind it applies to', () => {
  test.each(MAPPINGS)('%s (%j)', (raw, kinds, expected) => {
    for (const kind of kinds) {
      expect(rows(translateFlags(raw, kind).fields)).toEqual(expected)
    }
  })

  test('each setting names the flag as it was written', () => {
    const { fields } = translateFlags('--no-cpu-throttling --memory 1Gi', 'service')
    expect(fields.map(f => f.flag)).toEqual(['--no-cpu-throttling', '--memory'])
  })

  test('a field-free translation is empty, with no permissions', () => {
    expect(translateFlags('', 'service')).toEqual({ fields: [], permissions: [] })
    expect(translateFlags('--quiet -q --platform=managed', 'job')).toEqual({
      fields: [],
      permissions: []
    })
  })
})

describe('translateFlags: flags that stand for dedicated inputs, and Cloud SQL', () => {
  test.each(DEDICATED)('%s (%j)', (raw, kinds, expected) => {
    for (const kind of kinds) {
      expect(translateFlags(raw, kind)).toMatchObject(expected)
    }
  })

  test('the dedicated inputs and flags are named for the caller', () => {
    expect(DEDICATED_INPUT).toEqual({
      envVars: 'env_vars',
      secrets: 'secrets',
      labels: 'labels',
      runtimeServiceAccount: 'runtime_service_account',
      suffix: 'suffix',
      timeout: 'timeout',
      tag: 'tag',
      noTraffic: 'no_traffic'
    })
    expect(DEDICATED_FLAG.runtimeServiceAccount).toBe('--service-account')
    expect(translateFlags('--service-account=a@b.iam.gserviceaccount.com', 'job').fields).toEqual(
      []
    )
  })
})

describe('translateFlags: env vars, secrets and labels', () => {
  test.each(ENTRIES)('%s (%j)', (raw, kinds, part, expected) => {
    for (const kind of kinds) {
      expect(translateFlags(raw, kind)[part]).toEqual(expected)
    }
  })
})

describe('the tables above cover every supported flag for every kind it applies to', () => {
  const covered = new Set(
    [...MAPPINGS, ...DEDICATED, ...ENTRIES].flatMap(([raw, kinds]) =>
      splitFlags(raw)
        .filter(word => word.startsWith('--'))
        .flatMap(word => kinds.map(kind => `${word.split('=')[0]} ${kind}`))
    )
  )
  test.each(
    [...SUPPORTED_FLAGS].flatMap(([flag, kinds]) => kinds.map(kind => [flag, kind] as const))
  )('%s for a %s', (flag, kind) => {
    expect(covered).toContain(`${flag} ${kind}`)
  })
})

describe('translateFlags: --flag value and --flag=value mean the same', () => {
  test.each([
    ['--cpu=2', '--cpu 2'],
    ['--set-env-vars=A=1', '--set-env-vars A=1'],
    ['--description="a b"', "--description 'a b'"],
    ['--args=""', '--args ""'],
    ['--min-instances=1 --max-instances=3', '--min-instances 1 --max-instances 3'],
    ['--timeout=300', '--timeout 300'],
    ['--platform=managed --cpu=1', '--platform managed --cpu 1']
  ])('%s', (equals, spaced) => {
    expect(translateFlags(spaced, 'service')).toEqual(translateFlags(equals, 'service'))
  })

  test('a negative number is a value, not a flag', () => {
    expect(errorOf('--max-retries -1', 'job').message).toBe(
      'Input flags: entry 1 (--max-retries): expected an integer of 0 or more.'
    )
  })
})

describe('translateFlags: quoting, from a YAML block as users write it', () => {
  test('multi-line input with quotes, comments and continuation lines', () => {
    const raw = [
      '# sizing',
      '--cpu=2 --memory=1Gi   # two CPUs',
      "--set-env-vars='GREETING=hello world,TARGET=#1'",
      '--description "Team \\"core\\" API"',
      '--command=node \\',
      '  --args=server.js'
    ].join('\n')
    const translation = translateFlags(raw, 'service')
    expect(translation.envVars?.entries).toEqual([
      ['GREETING', 'hello world'],
      ['TARGET', '#1']
    ])
    expect(rows(translation.fields)).toEqual([
      ['container', 'resources.limits.cpu', '2'],
      ['container', 'resources.limits.memory', '1Gi'],
      ['resource', 'description', 'Team "core" API'],
      ['container', 'command', ['node']],
      ['container', 'args', ['server.js']],
      ['container', 'resources.cpuIdle', true, 'resources']
    ])
  })

  test('quoted values keep spaces, commas via ^DELIM^, and quotes', () => {
    const translation = translateFlags(
      [
        `--update-env-vars "^@^GREETING=hello, world@QUOTE=say \\"hi\\""`,
        `--description 'Team "core" API'`,
        '--args=-c,"echo done"'
      ].join(' '),
      'service'
    )
    expect(translation.envVars?.entries).toEqual([
      ['GREETING', 'hello, world'],
      ['QUOTE', 'say "hi"']
    ])
    expect(rows(translation.fields)).toEqual([
      ['resource', 'description', 'Team "core" API'],
      ['container', 'args', ['-c', 'echo done']]
    ])
  })
})

describe('translateFlags: errors name the flag and never print a value', () => {
  const SECRET = 's3cr3t-VALUE'
  test.each<[string, ResourceKind, string]>([
    // Not for this kind.
    [
      '--concurrency=10',
      J,
      'Input flags: entry 1 (--concurrency) does not apply to a job: gcloud has it for services only.'
    ],
    [
      '--tasks=3',
      S,
      'Input flags: entry 1 (--tasks) does not apply to a service: gcloud has it for jobs only.'
    ],
    [
      '--min-instances=1',
      W,
      'Input flags: entry 1 (--min-instances) does not apply to a worker pool: gcloud has it for services only; a worker pool has a fixed instance count: use --instances.'
    ],
    [
      '--no-allow-unauthenticated',
      W,
      'Input flags: entry 1 (--no-allow-unauthenticated) does not apply to a worker pool: gcloud has it for services only; a worker pool has no URL to invoke.'
    ],
    [
      '--vpc-connector=c',
      W,
      'Input flags: entry 1 (--vpc-connector) does not apply to a worker pool: gcloud has it for services and jobs only; a worker pool uses Direct VPC egress: use --network and --subnet.'
    ],
    [
      '--description=x',
      J,
      'Input flags: entry 1 (--description) does not apply to a job: gcloud has it for services and worker pools only.'
    ],
    [
      '--instances=1',
      S,
      'Input flags: entry 1 (--instances) does not apply to a service: gcloud has it for worker pools only.'
    ],
    // Recognised but refused: the input or the metadata field to use instead.
    [
      '--region=us-central1',
      S,
      'Input flags: entry 1 (--region) is not supported: use the input region.'
    ],
    [
      '--project p',
      S,
      'Input flags: entry 1 (--project) is not supported: use the input project_id.'
    ],
    ['--image=nginx', J, 'Input flags: entry 1 (--image) is not supported: use the input image.'],
    [
      '--source .',
      S,
      'Input flags: entry 1 (--source) is not supported: deploying from source is not supported: build and push an image (e.g. with docker/build-push-action), then deploy it with the input image.'
    ],
    [
      '--cpu=1 --add-volume=name=v,type=in-memory',
      S,
      'Input flags: entry 2 (--add-volume) is not supported: set template.volumes in a metadata file.'
    ],
    [
      '--startup-probe=httpGet.port=8080',
      S,
      'Input flags: entry 1 (--startup-probe) is not supported: set template.containers[].startupProbe in a metadata file.'
    ],
    [
      '--no-iap',
      S,
      'Input flags: entry 1 (--no-iap) is not supported: set iapEnabled in a metadata file.'
    ],
    ['--async', S, 'Input flags: entry 1 (--async) is not supported: use the input wait: false.'],
    [
      '--update-annotations=a=b',
      S,
      'Input flags: entry 1 (--update-annotations) is not supported: set annotations in a metadata file (v2 refuses run.googleapis.com/… annotations: each has its own field).'
    ],
    // Unknown.
    [
      `--colour=${SECRET}`,
      S,
      'Input flags: entry 1 (--colour) is not a gcloud run deploy flag this action knows; see docs/flags.md for the supported flags, or set the field in a metadata file.'
    ],
    [
      `--set-env-vars=A=1 -x ${SECRET}`,
      S,
      'Input flags: entry 2 (name not shown) is not a gcloud run deploy flag this action knows; see docs/flags.md for the supported flags, or set the field in a metadata file.'
    ],
    [
      `--set-env-vars A=1 -${SECRET}`,
      S,
      'Input flags: entry 2 (name not shown) is not a gcloud run deploy flag this action knows; see docs/flags.md for the supported flags, or set the field in a metadata file.'
    ],
    [
      `--set-env-vars A=1 --${SECRET}=x`,
      S,
      'Input flags: entry 2 (name not shown) is not a gcloud run deploy flag this action knows; see docs/flags.md for the supported flags, or set the field in a metadata file.'
    ],
    // Given twice, also through the --no- form.
    [
      `--cpu=1 --memory=1Gi --cpu ${SECRET}`,
      S,
      'Input flags: entry 3 (--cpu) is given twice (first as --cpu at entry 1); give it once, with all its values in one list.'
    ],
    [
      '--cpu-boost --no-cpu-boost',
      S,
      'Input flags: entry 2 (--no-cpu-boost) is given twice (first as --cpu-boost at entry 1); give it once.'
    ],
    [
      `--set-env-vars=A=${SECRET} --set-env-vars=B=${SECRET}`,
      S,
      'Input flags: entry 2 (--set-env-vars) is given twice (first as --set-env-vars at entry 1); give it once, with all its values in one list.'
    ],
    // Words that are no flag, values that are missing or not wanted.
    [
      `--set-env-vars A=1 ${SECRET}`,
      S,
      'Input flags: entry 2 is not a flag; a value goes with its flag (--flag=value or --flag value), and a value with spaces must be quoted.'
    ],
    ['--memory', S, 'Input flags: entry 1 (--memory) needs a value: --flag=value or --flag value.'],
    [
      '--memory --cpu=1',
      S,
      'Input flags: entry 1 (--memory) needs a value: --flag=value or --flag value.'
    ],
    [`--no-traffic=${SECRET}`, S, 'Input flags: entry 1 (--no-traffic) takes no value.'],
    [
      '--cpu-throttling=false',
      S,
      'Input flags: entry 1 (--cpu-throttling) takes no value; write --cpu-throttling or --no-cpu-throttling.'
    ],
    ['--quiet=yes', S, 'Input flags: entry 1 (--quiet) takes no value.'],
    // Values gcloud (or Cloud Run) would refuse.
    [
      `--memory=${SECRET}`,
      S,
      'Input flags: entry 1 (--memory): expected a memory size such as 512Mi or 2Gi (a Kubernetes quantity).'
    ],
    [
      '--memory=512MB',
      J,
      'Input flags: entry 1 (--memory): expected a memory size such as 512Mi or 2Gi (a Kubernetes quantity).'
    ],
    [
      '--cpu=two',
      W,
      'Input flags: entry 1 (--cpu): expected a CPU count such as 1, 2, 4, 0.5 or 500m.'
    ],
    [
      '--cpu=0',
      S,
      'Input flags: entry 1 (--cpu): expected a CPU count such as 1, 2, 4, 0.5 or 500m.'
    ],
    [
      '--gpu=-1',
      S,
      'Input flags: entry 1 (--gpu): expected a GPU count (Cloud Run supports 0 or 1).'
    ],
    [
      '--concurrency=0',
      S,
      "Input flags: entry 1 (--concurrency): expected an integer greater than 0, or 'default'."
    ],
    [
      '--min-instances=-1',
      S,
      "Input flags: entry 1 (--min-instances): expected an instance count of 0 or more, or 'default'."
    ],
    [
      '--max-instances=lots',
      S,
      "Input flags: entry 1 (--max-instances): expected an instance count of 0 or more, or 'default'."
    ],
    ['--tasks=0', J, 'Input flags: entry 1 (--tasks): expected an integer of 1 or more.'],
    [
      '--parallelism=-2',
      J,
      'Input flags: entry 1 (--parallelism): expected an integer of 0 or more.'
    ],
    [
      '--port=70000',
      S,
      "Input flags: entry 1 (--port): expected a port from 1 to 65535, or 'default'."
    ],
    [
      '--ingress=public',
      S,
      'Input flags: entry 1 (--ingress): expected one of all, internal, internal-and-cloud-load-balancing.'
    ],
    [
      '--vpc-egress=some',
      J,
      'Input flags: entry 1 (--vpc-egress): expected one of all-traffic, private-ranges-only, all.'
    ],
    [
      '--execution-environment=gen3',
      S,
      'Input flags: entry 1 (--execution-environment): expected one of gen1, gen2.'
    ],
    [
      '--timeout=0',
      S,
      'Input flags: entry 1 (--timeout): expected a duration of at least 1s in whole seconds: seconds (300), or units such as 300s, 5m, 1h, 1h30m, 10m5s, PT5M.'
    ],
    [
      '--task-timeout=soon',
      J,
      'Input flags: entry 1 (--task-timeout): expected a duration of at least 1s in whole seconds: seconds (300), or units such as 300s, 5m, 1h, 1h30m, 10m5s, PT5M.'
    ],
    [
      '--revision-suffix=V1_x',
      S,
      'Input flags: entry 1 (--revision-suffix): expected lower-case letters, digits and hyphens, starting and ending with a letter or digit.'
    ],
    [
      '--platform=gke',
      S,
      'Input flags: entry 1 (--platform): expected managed: only Cloud Run (fully managed) is supported.'
    ],
    [
      '--add-cloudsql-instances=p:r',
      S,
      'Input flags: entry 1 (--add-cloudsql-instances): expected Cloud SQL instances as PROJECT:REGION:INSTANCE or a plain instance name.'
    ],
    [
      '--set-cloudsql-instances=',
      J,
      'Input flags: entry 1 (--set-cloudsql-instances): expected one or more instances, a comma-separated list (or ^DELIM^ first to split on another delimiter, e.g. ^:^a,b:c).'
    ],
    [
      '--set-env-vars=',
      S,
      'Input flags: entry 1 (--set-env-vars): expected one or more KEY=VALUE pairs separated by commas (or ^DELIM^ first to split on another delimiter, e.g. ^:^A=1,2:B=3).'
    ],
    [
      `--update-env-vars=A=1,${SECRET}`,
      S,
      'Input flags: entry 1 (--update-env-vars): expected KEY=VALUE pairs separated by commas (or ^DELIM^ first to split on another delimiter, e.g. ^:^A=1,2:B=3); item 2 has no KEY=.'
    ],
    [
      `--set-env-vars=A=1,=${SECRET}`,
      S,
      'Input flags: entry 1 (--set-env-vars): expected KEY=VALUE pairs separated by commas (or ^DELIM^ first to split on another delimiter, e.g. ^:^A=1,2:B=3); item 2 has no KEY=.'
    ],
    [
      `--set-env-vars=A=1,A=${SECRET}`,
      S,
      'Input flags: entry 1 (--set-env-vars): expected each KEY once; "A" is repeated.'
    ],
    [
      `--update-env-vars=X_GOOGLE_FOO=${SECRET}`,
      J,
      'Input flags: entry 1 (--update-env-vars): expected names not starting with X_GOOGLE_ (reserved); "X_GOOGLE_FOO" does.'
    ],
    [
      '--remove-labels=',
      S,
      'Input flags: entry 1 (--remove-labels): expected one or more KEYs, a comma-separated list (or ^DELIM^ first to split on another delimiter, e.g. ^:^a,b:c).'
    ],
    [
      `--update-secrets=/etc/key=${SECRET}:1`,
      W,
      'Input flags: entry 1 (--update-secrets): expected environment variable names only: a worker pool cannot mount secrets as files.'
    ],
    // Combinations gcloud refuses, or that contradict each other here.
    [
      `--set-env-vars=A=${SECRET} --update-env-vars=B=2`,
      S,
      'Input flags: --set-env-vars (entry 1) and --update-env-vars (entry 2) cannot be used together.'
    ],
    [
      '--remove-secrets=A --clear-secrets',
      J,
      'Input flags: --remove-secrets (entry 1) and --clear-secrets (entry 2) cannot be used together.'
    ],
    [
      '--labels=a=b --update-labels=c=d',
      S,
      'Input flags: --labels (entry 1) and --update-labels (entry 2) cannot be used together.'
    ],
    [
      '--add-cloudsql-instances=a --remove-cloudsql-instances=b',
      S,
      'Input flags: --add-cloudsql-instances (entry 1) and --remove-cloudsql-instances (entry 2) cannot be used together.'
    ],
    [
      '--clear-network --subnet=s',
      W,
      'Input flags: --clear-network (entry 1) and --subnet (entry 2) cannot be used together.'
    ],
    [
      '--vpc-egress=all-traffic --clear-vpc-connector',
      S,
      'Input flags: --vpc-egress (entry 1) and --clear-vpc-connector (entry 2) cannot be used together.'
    ],
    [
      '--allow-unauthenticated --invoker-iam-check',
      S,
      'Input flags: --allow-unauthenticated (entry 1) and --invoker-iam-check (entry 2) cannot be used together.'
    ],
    [
      '--gpu-type=nvidia-l4 --gpu=0',
      S,
      'Input flags: --gpu (entry 2) and --gpu-type (entry 1) cannot be used together: a GPU count of 0 removes the GPU type.'
    ],
    [
      '--scaling=2 --max=5',
      S,
      'Input flags: --scaling (entry 1) and --max (entry 2) cannot be used together: a fixed instance count has no minimum or maximum.'
    ],
    [
      '--port=default --use-http2',
      S,
      'Input flags: --port (entry 1) and --use-http2 (entry 2) cannot be used together: HTTP/2 needs a port number.'
    ]
  ])('%s (%s)', (raw, kind, message) => {
    const error = errorOf(raw, kind)
    expect(error.message).toBe(message)
    expect(error.message).not.toContain(SECRET)
    expect(error.message).not.toMatch(/\n/)
  })

  test('value problems are InputEntryErrors for the flags input', () => {
    const error = errorOf('--cpu=1 --memory=lots')
    expect(error).toBeInstanceOf(InputEntryError)
    expect(error).toMatchObject({ input: 'flags', position: 2, key: '--memory' })
  })
})

describe('applyFieldSettings: the settings on a v2 resource', () => {
  test('a new service gets the fields, and cpuIdle stays true as with gcloud', () => {
    const { fields } = translateFlags(
      '--cpu=2 --memory=1Gi --concurrency=40 --min=1 --ingress=internal --network=vpc --subnet=sub --use-http2',
      'service'
    )
    expect(applyFieldSettings('service', {}, fields)).toEqual({
      ingress: 'INGRESS_TRAFFIC_INTERNAL_ONLY',
      scaling: { minInstanceCount: 1 },
      template: {
        maxInstanceRequestConcurrency: 40,
        vpcAccess: { networkInterfaces: [{ network: 'vpc', subnetwork: 'sub' }] },
        containers: [
          {
            resources: { limits: { cpu: '2', memory: '1Gi' }, cpuIdle: true },
            ports: [{ name: 'h2c', containerPort: 8080 }]
          }
        ]
      }
    })
  })

  test('an existing container keeps its CPU allocation and port; other fields are untouched', () => {
    const live: run_v2.Schema$GoogleCloudRunV2Service = {
      name: 'projects/p/locations/r/services/api',
      labels: { team: 'core' },
      template: {
        timeout: '30s',
        vpcAccess: { egress: 'ALL_TRAFFIC', networkInterfaces: [{ network: 'vpc', tags: ['a'] }] },
        containers: [
          { name: 'sidecar', image: 'sidecar:1' },
          {
            name: 'app',
            image: 'app:1',
            ports: [{ containerPort: 3000 }],
            resources: { limits: { cpu: '1', memory: '512Mi' } } // cpuIdle false: CPU always allocated
          }
        ]
      }
    }
    const { fields } = translateFlags('--memory=1Gi --use-http2 --subnet=sub', 'service')
    const desired = applyFieldSettings('service', live, fields, 1)
    expect(desired.template?.containers?.[1]).toEqual({
      name: 'app',
      image: 'app:1',
      ports: [{ containerPort: 3000, name: 'h2c' }],
      resources: { limits: { cpu: '1', memory: '1Gi' } }
    })
    expect(desired.template?.containers?.[0]).toEqual(live.template?.containers?.[0])
    expect(desired.template?.vpcAccess).toEqual({
      egress: 'ALL_TRAFFIC',
      networkInterfaces: [{ network: 'vpc', subnetwork: 'sub', tags: ['a'] }]
    })
    expect(desired.labels).toEqual({ team: 'core' })
    expect(live.template?.containers?.[1]?.resources?.limits?.memory).toBe('512Mi')
  })

  test('clearing removes fields and leaves the rest', () => {
    const live: run_v2.Schema$GoogleCloudRunV2Service = {
      binaryAuthorization: { useDefault: true },
      template: {
        scaling: { minInstanceCount: 2, maxInstanceCount: 9 },
        vpcAccess: { connector: 'c', egress: 'ALL_TRAFFIC' },
        containers: [{ image: 'x', args: ['a'], ports: [{ containerPort: 8080 }] }]
      }
    }
    const { fields } = translateFlags(
      '--clear-binary-authorization --min-instances=0 --clear-vpc-connector --args= --port=default',
      'service'
    )
    expect(applyFieldSettings('service', live, fields)).toEqual({
      template: {
        scaling: { maxInstanceCount: 9 },
        vpcAccess: {},
        containers: [{ image: 'x' }]
      }
    })
  })

  test('a job: execution and task templates', () => {
    const { fields } = translateFlags(
      '--tasks=5 --parallelism=2 --max-retries=1 --task-timeout=30m --cpu=1 --vpc-egress=all-traffic',
      'job'
    )
    expect(applyFieldSettings('job', { name: 'j' }, fields)).toEqual({
      name: 'j',
      template: {
        taskCount: 5,
        parallelism: 2,
        template: {
          maxRetries: 1,
          timeout: '1800s',
          vpcAccess: { egress: 'ALL_TRAFFIC' },
          containers: [{ resources: { limits: { cpu: '1' } } }]
        }
      }
    })
  })

  test('a worker pool: the resource and its revision template', () => {
    const { fields } = translateFlags(
      '--instances=3 --description=workers --gpu=1 --gpu-type=nvidia-l4',
      'workerPool'
    )
    expect(applyFieldSettings('workerPool', {}, fields)).toEqual({
      scaling: { manualInstanceCount: 3 },
      description: 'workers',
      template: {
        nodeSelector: { accelerator: 'nvidia-l4' },
        containers: [{ resources: { limits: { 'nvidia.com/gpu': '1' } } }]
      }
    })
  })

  test('only what a setting needs is created, and clearing what is absent changes nothing', () => {
    const { fields } = translateFlags('--ingress=all --no-session-affinity --args=', 'service')
    expect(applyFieldSettings('service', { name: 's' }, fields)).toEqual({
      name: 's',
      ingress: 'INGRESS_TRAFFIC_ALL'
    })
  })

  test('a setting for a scope the kind lacks is a bug, reported as such', () => {
    const setting: FieldSetting = {
      scope: 'execution',
      path: ['taskCount'],
      value: 1,
      flag: '--tasks'
    }
    expect(() => applyFieldSettings('service', {}, [setting])).toThrow(
      '--tasks: a service has no execution template.'
    )
  })
})

describe('applyCloudSql: a cloudsql volume mounted at /cloudsql', () => {
  const target = { project: 'proj', region: 'asia-northeast1' }
  const app: Container = { name: 'app', image: 'app', ports: [{ containerPort: 8080 }] }
  const sidecar: Container = { name: 'proxy', image: 'proxy' }
  const secretVolume = { name: 'creds', secret: { secret: 'creds' } }
  const secretMount = { name: 'creds', mountPath: '/etc/creds' }
  const sqlVolume = (instances: string[], name = 'cloudsql') => ({
    name,
    cloudSqlInstance: { instances }
  })
  const sqlMount = (name = 'cloudsql') => ({ name, mountPath: '/cloudsql' })

  test.each<[string, CloudSqlPod, CloudSqlEdit, CloudSqlPod]>([
    [
      'add to a pod without Cloud SQL: plain names get the target project and region',
      { volumes: [secretVolume], containers: [{ ...app, volumeMounts: [secretMount] }, sidecar] },
      { op: 'add', instances: ['db', 'other:us-central1:db2'] },
      {
        volumes: [secretVolume, sqlVolume(['proj:asia-northeast1:db', 'other:us-central1:db2'])],
        containers: [{ ...app, volumeMounts: [secretMount, sqlMount()] }, sidecar]
      }
    ],
    [
      'add keeps the instances there and skips repeats',
      { volumes: [sqlVolume(['p:r:a'])], containers: [{ ...app, volumeMounts: [sqlMount()] }] },
      { op: 'add', instances: ['p:r:a', 'p:r:b', 'p:r:b'] },
      {
        volumes: [sqlVolume(['p:r:a', 'p:r:b'])],
        containers: [{ ...app, volumeMounts: [sqlMount()] }]
      }
    ],
    [
      'set replaces the list, and adds the missing mount',
      { volumes: [sqlVolume(['p:r:a'])], containers: [app] },
      { op: 'set', instances: ['p:r:c'] },
      { volumes: [sqlVolume(['p:r:c'])], containers: [{ ...app, volumeMounts: [sqlMount()] }] }
    ],
    [
      'remove leaves the others',
      { volumes: [sqlVolume(['p:r:a', 'proj:asia-northeast1:b'])], containers: [app] },
      { op: 'remove', instances: ['b'] },
      { volumes: [sqlVolume(['p:r:a'])], containers: [{ ...app, volumeMounts: [sqlMount()] }] }
    ],
    [
      'removing the last instance removes the volume and every mount of it',
      {
        volumes: [secretVolume, sqlVolume(['p:r:a'])],
        containers: [
          { ...app, volumeMounts: [secretMount, sqlMount()] },
          { ...sidecar, volumeMounts: [sqlMount()] }
        ]
      },
      { op: 'remove', instances: ['p:r:a'] },
      {
        volumes: [secretVolume],
        containers: [{ ...app, volumeMounts: [secretMount] }, sidecar]
      }
    ],
    [
      'clear removes the volume, whatever its name',
      {
        volumes: [sqlVolume(['p:r:a'], 'db-sockets')],
        containers: [{ ...app, volumeMounts: [sqlMount('db-sockets')] }]
      },
      { op: 'clear', instances: [] },
      { containers: [app] }
    ],
    [
      'an existing Cloud SQL volume of another name is reused',
      {
        volumes: [sqlVolume(['p:r:a'], 'db-sockets')],
        containers: [{ ...app, volumeMounts: [sqlMount('db-sockets')] }]
      },
      { op: 'add', instances: ['p:r:b'] },
      {
        volumes: [sqlVolume(['p:r:a', 'p:r:b'], 'db-sockets')],
        containers: [{ ...app, volumeMounts: [sqlMount('db-sockets')] }]
      }
    ],
    [
      'clear without Cloud SQL changes nothing',
      { volumes: [secretVolume], containers: [app] },
      { op: 'clear', instances: [] },
      { volumes: [secretVolume], containers: [app] }
    ]
  ])('%s', (_name, pod, edit, expected) => {
    const before = structuredClone(pod)
    const container = pod.containers?.[0] as Container
    const result = applyCloudSql(pod, container, edit, target)
    expect(result.pod).toEqual(expected)
    expect(result.container).toEqual(expected.containers?.[0])
    expect(pod).toEqual(before)
  })

  test('a container outside the pod gets the mount; the pod keeps its containers', () => {
    const result = applyCloudSql({}, app, { op: 'set', instances: ['p:r:a'] }, target)
    expect(result).toEqual({
      pod: { volumes: [sqlVolume(['p:r:a'])] },
      container: { ...app, volumeMounts: [sqlMount()] }
    })
  })

  test('a non-Cloud SQL volume already named cloudsql is an error', () => {
    expect(() =>
      applyCloudSql(
        { volumes: [{ name: 'cloudsql', emptyDir: {} }], containers: [app] },
        app,
        { op: 'add', instances: ['p:r:a'] },
        target
      )
    ).toThrow(
      'Input flags: the template already has a volume named "cloudsql" that is not a Cloud SQL volume'
    )
  })
})

describe('docs/flags.md lists every flag', () => {
  const docs = readFileSync(join('docs', 'flags.md'), 'utf8')
  test.each([...SUPPORTED_FLAGS.keys(), ...REFUSED_FLAGS.keys()])('%s', flag => {
    expect(docs).toContain(`\`${flag}`)
  })

  test('its examples translate as it says', () => {
    const usage = /```yaml\n([\s\S]*?)```/.exec(docs)?.[1] ?? ''
    const step = (parse(usage) as { with: { flags: string } }[])[0]
    expect(rows(translateFlags(step?.with.flags ?? '', 'service').fields)).toEqual([
      ['container', 'resources.limits.cpu', '2'],
      ['container', 'resources.limits.memory', '1Gi'],
      ['revision', 'scaling.minInstanceCount', 1],
      ['revision', 'maxInstanceRequestConcurrency', 40],
      ['container', 'resources.cpuIdle', true, 'resources']
    ])
    const lists = translateFlags(
      "--set-env-vars=^:^LIST=a,b,c:MODE=fast '--args=^;^-c;echo a, b'",
      'job'
    )
    expect(lists.envVars?.entries).toEqual([
      ['LIST', 'a,b,c'],
      ['MODE', 'fast']
    ])
    expect(rows(lists.fields)).toEqual([['container', 'args', ['-c', 'echo a, b']]])
  })
})

describe('the README lists every supported flag with its v2 field', () => {
  const readme = readFileSync('README.md', 'utf8')
  test.each([...SUPPORTED_FLAGS.keys()])('%s', flag => {
    expect(readme).toContain(`\`${flag}`)
  })
})

describe("deploy-cloudrun's README examples", () => {
  const dir = join('__tests__', 'fixtures', 'deploy-cloudrun-readme')
  const files = readdirSync(dir).filter(name => name.endsWith('.yml'))

  test('there is one file per example, each naming its source and licence', () => {
    expect(files.length).toBeGreaterThanOrEqual(10)
    for (const file of files) {
      const text = readFileSync(join(dir, file), 'utf8')
      expect(text).toMatch(
        /^# Source: https:\/\/github\.com\/google-github-actions\/deploy-cloudrun/
      )
      expect(text).toContain('Apache License 2.0')
      expect(text).not.toContain('google-github-actions/deploy-cloudrun@')
      parse(text)
    }
  })

  const flagsOf = (file: string): string =>
    (parse(readFileSync(join(dir, file), 'utf8')) as { with: { flags: string } }).with.flags

  test('their flags inputs translate', () => {
    expect(translateFlags(flagsOf('05-input-flags.yml'), 'service')).toEqual({
      fields: [],
      cloudSql: { op: 'add', instances: ['...'] },
      permissions: []
    })
    const nested = translateFlags(flagsOf('06-input-flags-quoted-args.yml'), 'service')
    expect(nested.cloudSql).toEqual({ op: 'add', instances: ['...'] })
    expect(rows(nested.fields)).toEqual([['container', 'args', ['-X=123']]])
  })

  test('the update_traffic_flags example is no deploy flag', () => {
    expect(() =>
      translateFlags(flagsOf('11-input-update-traffic-flags-quoted-args.yml'), 'service')
    ).toThrow('Input flags: entry 1 (--set-tags) is not a gcloud run deploy flag this action knows')
  })
})
