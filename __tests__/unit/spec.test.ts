import type { run_v2 } from 'googleapis/build/src/apis/run/v2.js'
import { desiredResource, type SpecChanges } from '../../src/deploy/spec.js'

const IMAGE = 'asia-northeast1-docker.pkg.dev/myproject-b/myrepo/myjob:v2'
const changes = (over: Partial<SpecChanges> = {}): SpecChanges => ({
  image: IMAGE,
  envVars: undefined,
  envVarsUpdateStrategy: 'merge',
  secrets: undefined,
  secretsUpdateStrategy: 'merge',
  labels: undefined,
  runtimeServiceAccount: undefined,
  tag: undefined,
  noTraffic: false,
  revisionName: undefined,
  client: { name: 'cloud-run-deploy-action', version: '0.1.0' },
  ...over
})

const live: run_v2.Schema$GoogleCloudRunV2Service = {
  name: 'projects/a/locations/asia-northeast1/services/api',
  etag: '"abc"',
  generation: '4',
  uri: 'https://api-1.asia-northeast1.run.app',
  latestReadyRevision: 'projects/a/locations/asia-northeast1/services/api/revisions/api-00004-xyz',
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
    containers: [
      {
        image: 'old',
        ports: [{ containerPort: 8080 }],
        env: [
          { name: 'KEEP', value: '1' },
          { name: 'TOKEN', valueSource: { secretKeyRef: { secret: 'tok', version: '3' } } }
        ],
        resources: { limits: { cpu: '2', memory: '1Gi' } },
        startupProbe: { tcpSocket: { port: 8080 } }
      },
      { name: 'sidecar', image: 'sidecar:1' }
    ]
  }
}

test('an update changes the image and keeps every unrelated setting', () => {
  const desired = desiredResource(
    'service',
    live,
    undefined,
    changes()
  ) as run_v2.Schema$GoogleCloudRunV2Service
  const c = desired.template?.containers ?? []
  expect(c[0]?.image).toBe(IMAGE)
  expect(c[1]).toEqual(live.template?.containers?.[1])
  for (const key of ['labels', 'annotations', 'ingress', 'scaling', 'traffic', 'etag'] as const) {
    expect(desired[key]).toEqual(live[key])
  }
  for (const key of ['serviceAccount', 'vpcAccess', 'scaling', 'timeout'] as const) {
    expect(desired.template?.[key]).toEqual(live.template?.[key])
  }
  expect(c[0]?.env).toEqual(live.template?.containers?.[0]?.env)
  expect(c[0]?.resources).toEqual(live.template?.containers?.[0]?.resources)
  expect(c[0]?.startupProbe).toEqual(live.template?.containers?.[0]?.startupProbe)
  expect(desired.template?.revision).toBeUndefined()
  expect(desired).not.toHaveProperty('generation')
  expect(desired).not.toHaveProperty('uri')
  expect(live.template?.containers?.[0]?.image).toBe('old')
})

test('env_vars merge updates and adds, keeping other variables and secrets', () => {
  const desired = desiredResource(
    'service',
    live,
    undefined,
    changes({
      envVars: new Map([
        ['KEEP', '2'],
        ['NEW', 'x']
      ])
    })
  )
  expect((desired as run_v2.Schema$GoogleCloudRunV2Service).template?.containers?.[0]?.env).toEqual(
    [
      { name: 'KEEP', value: '2' },
      { name: 'TOKEN', valueSource: { secretKeyRef: { secret: 'tok', version: '3' } } },
      { name: 'NEW', value: 'x' }
    ]
  )
})

test('env_vars overwrite replaces the plain variables only', () => {
  const desired = desiredResource(
    'service',
    live,
    undefined,
    changes({ envVars: new Map([['ONLY', '1']]), envVarsUpdateStrategy: 'overwrite' })
  )
  expect((desired as run_v2.Schema$GoogleCloudRunV2Service).template?.containers?.[0]?.env).toEqual(
    [
      { name: 'TOKEN', valueSource: { secretKeyRef: { secret: 'tok', version: '3' } } },
      { name: 'ONLY', value: '1' }
    ]
  )
})

test('secrets as env and as files', () => {
  const desired = desiredResource(
    'service',
    live,
    undefined,
    changes({
      secrets: new Map([
        ['API_KEY', { secret: 'api', version: 'latest' }],
        ['/etc/secrets/db/password', { secret: 'db', version: '2' }]
      ])
    })
  ) as run_v2.Schema$GoogleCloudRunV2Service
  const container = desired.template?.containers?.[0]
  expect(container?.env).toContainEqual({
    name: 'API_KEY',
    valueSource: { secretKeyRef: { secret: 'api', version: 'latest' } }
  })
  expect(container?.volumeMounts).toEqual([
    { name: 'secret-etc-secrets-db', mountPath: '/etc/secrets/db' }
  ])
  expect(desired.template?.volumes).toEqual([
    {
      name: 'secret-etc-secrets-db',
      secret: { secret: 'db', items: [{ path: 'password', version: '2' }] }
    }
  ])
})

test('no_traffic pins LATEST to the serving revision; tag points at the new revision with 0%', () => {
  const desired = desiredResource(
    'service',
    live,
    undefined,
    changes({ noTraffic: true, tag: 'pr-7', revisionName: 'api-pr7' })
  ) as run_v2.Schema$GoogleCloudRunV2Service
  expect(desired.template?.revision).toBe('api-pr7')
  expect(desired.traffic).toEqual([
    { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'api-00003-abc', percent: 10 },
    { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'api-00004-xyz', percent: 90 },
    {
      type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION',
      revision: 'api-pr7',
      tag: 'pr-7',
      percent: 0
    }
  ])
})

test('metadata fields replace the live ones, and the inputs apply on top', () => {
  const base: run_v2.Schema$GoogleCloudRunV2Service = {
    ingress: 'INGRESS_TRAFFIC_ALL',
    template: { timeout: '60s', containers: [{ image: 'from-file', args: ['serve'] }] }
  }
  const desired = desiredResource(
    'service',
    live,
    base,
    changes({ runtimeServiceAccount: 'other@a.iam.gserviceaccount.com' })
  ) as run_v2.Schema$GoogleCloudRunV2Service
  expect(desired.ingress).toBe('INGRESS_TRAFFIC_ALL')
  expect(desired.template?.timeout).toBe('60s')
  expect(desired.template?.vpcAccess).toEqual(live.template?.vpcAccess)
  expect(desired.template?.containers).toEqual([{ image: IMAGE, args: ['serve'] }])
  expect(desired.template?.serviceAccount).toBe('other@a.iam.gserviceaccount.com')
})

test('a job keeps its containers under template.template', () => {
  const job: run_v2.Schema$GoogleCloudRunV2Job = {
    template: {
      taskCount: 3,
      template: { maxRetries: 2, containers: [{ image: 'old', env: [{ name: 'A', value: '1' }] }] }
    }
  }
  const desired = desiredResource(
    'job',
    job,
    undefined,
    changes({ envVars: new Map([['B', '2']]) })
  ) as run_v2.Schema$GoogleCloudRunV2Job
  expect(desired.template).toEqual({
    taskCount: 3,
    template: {
      maxRetries: 2,
      containers: [
        {
          image: IMAGE,
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: '2' }
          ]
        }
      ]
    }
  })
})
