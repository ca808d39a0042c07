import type { run_v2 } from 'googleapis/build/src/apis/run/v2.js'
import type { EntriesChange, SecretRef } from '../../src/config.js'
import { desiredResource, type SpecChanges } from '../../src/deploy/spec.js'
import { translateFlags } from '../../src/dialects/flags.js'

type Service = run_v2.Schema$GoogleCloudRunV2Service
type Job = run_v2.Schema$GoogleCloudRunV2Job

const IMAGE = 'asia-northeast1-docker.pkg.dev/myproject-b/myrepo/myjob:v2'
const changes = (over: Partial<SpecChanges> = {}): SpecChanges => ({
  image: IMAGE,
  container: undefined,
  env: undefined,
  secrets: undefined,
  labels: undefined,
  defaultLabels: new Map(),
  runtimeServiceAccount: undefined,
  timeout: undefined,
  flags: undefined,
  project: 'a',
  region: 'asia-northeast1',
  tag: undefined,
  noTraffic: false,
  revisionTraffic: undefined,
  tagTraffic: undefined,
  revisionName: 'api-00005-new',
  client: { name: 'cloud-run-deploy-action', version: '0.1.0' },
  ...over
})

const entries = <V>(
  values: [string, V][],
  strategy: 'merge' | 'overwrite' = 'merge',
  remove: string[] = []
): EntriesChange<V> => ({ strategy, values: new Map(values), remove })

const live: Service = {
  name: 'projects/a/locations/asia-northeast1/services/api',
  etag: '"abc"',
  generation: '4',
  uri: 'https://api-1.asia-northeast1.run.app',
  latestReadyRevision: 'projects/a/locations/asia-northeast1/services/api/revisions/api-00004-xyz',
  threatDetectionEnabled: true,
  labels: { team: 'core' },
  annotations: { 'run.googleapis.com/launch-stage': 'BETA' },
  ingress: 'INGRESS_TRAFFIC_INTERNAL_ONLY',
  scaling: { minInstanceCount: 1 },
  traffic: [
    { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'api-00003-abc', percent: 10 },
    { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 90 }
  ],
  template: {
    revision: 'api-00004-xyz',
    serviceAccount: 'runtime@a.iam.gserviceaccount.com',
    vpcAccess: {
      connector: 'projects/a/locations/asia-northeast1/connectors/c',
      egress: 'ALL_TRAFFIC'
    },
    scaling: { maxInstanceCount: 7 },
    timeout: '30s',
    volumes: [
      {
        name: 'creds',
        secret: {
          secret: 'db-creds',
          defaultMode: 0o400,
          items: [
            { path: 'password', version: '3' },
            { path: 'user', version: '3' }
          ]
        }
      },
      { name: 'cache', emptyDir: { medium: 'MEMORY' } }
    ],
    containers: [
      {
        name: 'app',
        image: 'old',
        ports: [{ containerPort: 8080 }],
        env: [
          { name: 'KEEP', value: '1' },
          { name: 'TOKEN', valueSource: { secretKeyRef: { secret: 'tok', version: '3' } } }
        ],
        resources: { limits: { cpu: '2', memory: '1Gi' } },
        startupProbe: { tcpSocket: { port: 8080 } },
        volumeMounts: [
          { name: 'creds', mountPath: '/secrets' },
          { name: 'cache', mountPath: '/cache' }
        ],
        buildInfo: { functionTarget: 'x' }
      },
      {
        name: 'sidecar',
        image: 'sidecar:1',
        volumeMounts: [{ name: 'creds', mountPath: '/creds' }]
      }
    ]
  }
}

const deployed = (over: Partial<SpecChanges> = {}, from: Service = live) =>
  desiredResource('service', from, undefined, changes(over))
const service = (over: Partial<SpecChanges> = {}, from: Service = live) =>
  deployed(over, from).resource as Service

test('an update changes the image and keeps every unrelated setting', () => {
  const desired = service()
  const c = desired.template?.containers ?? []
  expect(c[0]?.image).toBe(IMAGE)
  expect(c[1]).toEqual(live.template?.containers?.[1])
  for (const key of ['labels', 'annotations', 'ingress', 'scaling', 'traffic', 'etag'] as const) {
    expect(desired[key]).toEqual(live[key])
  }
  for (const key of ['serviceAccount', 'vpcAccess', 'scaling', 'timeout', 'volumes'] as const) {
    expect(desired.template?.[key]).toEqual(live.template?.[key])
  }
  expect(c[0]?.env).toEqual(live.template?.containers?.[0]?.env)
  expect(c[0]?.resources).toEqual(live.template?.containers?.[0]?.resources)
  expect(c[0]?.startupProbe).toEqual(live.template?.containers?.[0]?.startupProbe)
  expect(live.template?.containers?.[0]?.image).toBe('old')
})

test('output-only fields never go back, at any depth', () => {
  const desired = service()
  expect(desired).not.toHaveProperty('generation')
  expect(desired).not.toHaveProperty('uri')
  expect(desired).not.toHaveProperty('latestReadyRevision')
  expect(desired).not.toHaveProperty('threatDetectionEnabled')
  expect(desired.template?.containers?.[0]).not.toHaveProperty('buildInfo')
})

test('every deploy names a new revision: the one it is given', () => {
  expect(service().template?.revision).toBe('api-00005-new')
})

test('the labels: defaults, then the input, on the resource and the revision template', () => {
  const desired = service({
    defaultLabels: new Map([
      ['managed-by', 'cloud-run-deploy-action'],
      ['commit-sha', 'abc']
    ]),
    labels: entries([['commit-sha', 'mine']])
  })
  const expected = { team: 'core', 'managed-by': 'cloud-run-deploy-action', 'commit-sha': 'mine' }
  expect(desired.labels).toEqual(expected)
  expect(desired.template?.labels).toEqual({
    'managed-by': 'cloud-run-deploy-action',
    'commit-sha': 'mine'
  })
})

test.each<[string, Partial<SpecChanges>, run_v2.Schema$GoogleCloudRunV2EnvVar[]]>([
  [
    'merge updates and adds, keeping other variables and secrets',
    {
      env: entries([
        ['KEEP', '2'],
        ['NEW', 'x']
      ])
    },
    [
      { name: 'KEEP', value: '2' },
      { name: 'TOKEN', valueSource: { secretKeyRef: { secret: 'tok', version: '3' } } },
      { name: 'NEW', value: 'x' }
    ]
  ],
  [
    'overwrite replaces the plain variables only',
    { env: entries([['ONLY', '1']], 'overwrite') },
    [
      { name: 'TOKEN', valueSource: { secretKeyRef: { secret: 'tok', version: '3' } } },
      { name: 'ONLY', value: '1' }
    ]
  ],
  [
    'remove drops keys first (gcloud --remove-env-vars)',
    { env: entries([], 'merge', ['KEEP']) },
    [{ name: 'TOKEN', valueSource: { secretKeyRef: { secret: 'tok', version: '3' } } }]
  ],
  [
    'secrets overwrite replaces the secret variables only',
    { secrets: entries<SecretRef>([['API', { secret: 'api', version: 'prod' }]], 'overwrite') },
    [
      { name: 'KEEP', value: '1' },
      { name: 'API', valueSource: { secretKeyRef: { secret: 'api', version: 'prod' } } }
    ]
  ]
])('env: %s', (_name, over, expected) => {
  expect(service(over).template?.containers?.[0]?.env).toEqual(expected)
})

describe('secrets as files', () => {
  test('a merge into a mounted secret volume works item by item, keeping defaultMode and the other items', () => {
    const desired = service({
      secrets: entries<SecretRef>([['/secrets/token', { secret: 'db-creds', version: '4' }]])
    })
    expect(desired.template?.volumes?.[0]).toEqual({
      name: 'creds',
      secret: {
        secret: 'db-creds',
        defaultMode: 0o400,
        items: [
          { path: 'password', version: '3' },
          { path: 'user', version: '3' },
          { path: 'token', version: '4' }
        ]
      }
    })
    expect(desired.template?.containers?.[0]?.volumeMounts).toEqual(
      live.template?.containers?.[0]?.volumeMounts
    )
  })

  test('an item already there gets the new version', () => {
    const desired = service({
      secrets: entries<SecretRef>([['/secrets/password', { secret: 'db-creds', version: '9' }]])
    })
    expect(desired.template?.volumes?.[0]?.secret?.items).toEqual([
      { path: 'password', version: '9' },
      { path: 'user', version: '3' }
    ])
  })

  test('a new directory gets a volume of its own and a mount', () => {
    const desired = service({
      secrets: entries<SecretRef>([['/etc/secrets/db/password', { secret: 'db', version: '2' }]])
    })
    expect(desired.template?.volumes).toContainEqual({
      name: 'secret-etc-secrets-db',
      secret: { secret: 'db', items: [{ path: 'password', version: '2' }] }
    })
    expect(desired.template?.containers?.[0]?.volumeMounts).toContainEqual({
      name: 'secret-etc-secrets-db',
      mountPath: '/etc/secrets/db'
    })
  })

  test.each([
    [
      '/cache/key',
      'a secret over an emptyDir volume',
      /cache.*emptyDir.*cannot be mounted over it/
    ],
    ['/secrets/key', 'another secret in the same directory', /holds the secret db-creds/]
  ])('%s: %s is an error', (path, _what, message) => {
    expect(() =>
      service({ secrets: entries<SecretRef>([[path, { secret: 'other', version: '1' }]]) })
    ).toThrow(message)
  })

  test('overwrite removes the secret volumes and every mount of them, in every container', () => {
    const desired = service({
      secrets: entries<SecretRef>([['/new/key', { secret: 'n', version: '1' }]], 'overwrite')
    })
    const names = (desired.template?.volumes ?? []).map(v => v.name)
    expect(names).toEqual(['cache', 'secret-new'])
    expect(desired.template?.containers?.[1]?.volumeMounts).toBeUndefined()
    expect(desired.template?.containers?.[0]?.volumeMounts).toEqual([
      { name: 'cache', mountPath: '/cache' },
      { name: 'secret-new', mountPath: '/new' }
    ])
    // Every mount names a volume (Cloud Run refuses one that does not).
    const volumes = new Set(names)
    for (const c of desired.template?.containers ?? []) {
      for (const m of c.volumeMounts ?? []) expect(volumes.has(m.name)).toBe(true)
    }
  })
})

describe('containers', () => {
  test('the container input chooses which one gets the image; the others are kept', () => {
    const desired = deployed({ container: 'sidecar' })
    const c = (desired.resource as Service).template?.containers ?? []
    expect(c[1]?.image).toBe(IMAGE)
    expect(c[0]?.image).toBe('old')
    expect(desired.container).toEqual({ index: 1, name: 'sidecar' })
  })

  test('an unknown container name is an error naming the containers', () => {
    expect(() => service({ container: 'web' })).toThrow(/no container named web.*app, sidecar/)
  })

  test('several containers and no ingress one: the input is needed', () => {
    const job: Job = {
      template: {
        template: {
          containers: [
            { name: 'a', image: 'x' },
            { name: 'b', image: 'y' }
          ]
        }
      }
    }
    expect(() =>
      desiredResource('job', job, undefined, changes({ revisionName: undefined }))
    ).toThrow(/2 containers and none has a port.*set the container input/)
  })
})

describe('traffic', () => {
  test('a tag moves to the new revision; every percentage stays where it was', () => {
    const from: Service = {
      ...live,
      traffic: [
        { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 90 },
        {
          type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION',
          revision: 'api-00001-abc',
          tag: 'canary',
          percent: 10
        }
      ]
    }
    expect(service({ tag: 'canary' }, from).traffic).toEqual([
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 90 },
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'api-00001-abc', percent: 10 },
      {
        type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION',
        revision: 'api-00005-new',
        tag: 'canary',
        percent: 0
      }
    ])
  })

  test('no_traffic pins what LATEST served to the serving revision', () => {
    const desired = deployed({ noTraffic: true })
    expect((desired.resource as Service).traffic).toEqual([
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'api-00003-abc', percent: 10 },
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'api-00004-xyz', percent: 90 }
    ])
    expect(desired.newRevisionPercent).toBe(0)
  })

  test('revision_traffic LATEST=100 after pinned traffic goes in the same update', () => {
    const pinned: Service = {
      ...live,
      traffic: [
        { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'api-00003-abc', percent: 100 }
      ]
    }
    const desired = deployed({ revisionTraffic: [{ revision: 'LATEST', percent: 100 }] }, pinned)
    expect((desired.resource as Service).traffic).toEqual([
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }
    ])
    expect(desired.trafficAfterReady).toBeUndefined()
    expect(desired.newRevisionPercent).toBe(100)
  })
})

describe('flags', () => {
  test('field settings go to the chosen container and the right template', () => {
    const { fields } = translateFlags('--memory=2Gi --max-instances=3', 'service')
    const desired = service({
      flags: { fields, cloudSql: undefined, allowUnauthenticated: true, permissions: [] }
    })
    expect(desired.template?.containers?.[0]?.resources?.limits).toEqual({
      cpu: '2',
      memory: '2Gi'
    })
    expect(desired.template?.scaling?.maxInstanceCount).toBe(3)
    expect(desired.invokerIamDisabled).toBe(true)
  })

  test('Cloud SQL instances are added to the live ones', () => {
    const { cloudSql } = translateFlags('--add-cloudsql-instances=db2', 'service')
    const withSql: Service = {
      ...live,
      template: {
        ...live.template,
        volumes: [{ name: 'cloudsql', cloudSqlInstance: { instances: ['a:asia-northeast1:db1'] } }],
        containers: [
          {
            ...live.template?.containers?.[0],
            volumeMounts: [{ name: 'cloudsql', mountPath: '/cloudsql' }]
          }
        ]
      }
    }
    const desired = service(
      { flags: { fields: [], cloudSql, allowUnauthenticated: undefined, permissions: [] } },
      withSql
    )
    expect(desired.template?.volumes).toEqual([
      {
        name: 'cloudsql',
        cloudSqlInstance: { instances: ['a:asia-northeast1:db1', 'a:asia-northeast1:db2'] }
      }
    ])
  })
})

describe('a metadata base spec', () => {
  test('cannot replace the live etag: only the live one guards the update', () => {
    const desired = desiredResource(
      'service',
      { etag: '"live"', template: { containers: [{ image: 'a' }] } },
      { etag: '"from-an-old-read"', description: 'x' },
      changes()
    ).resource
    expect(desired).toMatchObject({ etag: '"live"', description: 'x' })
  })

  test('a field an input replaces is said, not silent', () => {
    const base: Service = {
      labels: { team: 'file' },
      template: {
        serviceAccount: 'file@a.iam.gserviceaccount.com',
        containers: [{ image: 'from-file', env: [{ name: 'A', value: 'file' }] }]
      }
    }
    const desired = desiredResource(
      'service',
      undefined,
      base,
      changes({
        env: entries([['A', 'input']]),
        runtimeServiceAccount: 'input@a.iam.gserviceaccount.com',
        labels: entries([['team', 'input']])
      })
    )
    expect(desired.overrides).toEqual([
      'template.containers[0].image',
      'template.serviceAccount',
      'template.containers[0].env A',
      'labels.team'
    ])
  })
})
