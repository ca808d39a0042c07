/**
 * Deploying a Cloud Run service end to end: the built action against the emulator, with the service
 * agent allowed to pull (seed-granted). What a user sees (exit code, outputs, annotations) and what
 * Cloud Run holds afterwards: an update changes only what the inputs ask for.
 */
import type { run_v2 } from 'googleapis/build/src/apis/run/v2.js'
import { variant } from '../../emulator/scenarios/helpers.js'
import { IMAGE, IMAGE_DIGESTS, RUNTIME_EMAIL, seedGranted } from '../../emulator/scenarios/seed.js'
import type { Emulator } from '../../emulator/server.js'
import { startTestEmulator } from '../harness/emulator.js'
import { uniqueName } from '../harness/runAction.js'
import {
  calls,
  DEFAULT_LABELS,
  errors,
  expectNoStackTrace,
  failureMessage,
  metadataFile,
  runDeploy,
  serviceName,
  serviceUrl,
  TRAFFIC_LATEST,
  TRAFFIC_REVISION,
  withoutDeployState
} from './deploy-support.js'

type Service = run_v2.Schema$GoogleCloudRunV2Service

const V1 = `${IMAGE}:v1`
const LATEST = `${IMAGE}:latest`

/**
 * A service configured well beyond what the action's inputs touch. Seeded twice under one name, as if
 * deployed twice long ago: the first leaves revision rich-00001-old behind, which the traffic split of
 * the second still sends 10% to.
 */
const RICH_OLD: Service = {
  name: serviceName('rich'),
  template: { revision: 'rich-00001-old', containers: [{ image: LATEST }] }
}
const RICH: Service = {
  name: serviceName('rich'),
  generation: '2',
  description: 'Payments API',
  labels: { team: 'payments', env: 'prod' },
  annotations: { 'example.com/owner': 'ops' },
  ingress: 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER',
  launchStage: 'BETA',
  customAudiences: ['https://api.example.com'],
  binaryAuthorization: { useDefault: true },
  scaling: { minInstanceCount: 1 },
  traffic: [
    { type: TRAFFIC_REVISION, revision: 'rich-00001-old', percent: 10 },
    { type: TRAFFIC_LATEST, percent: 90 },
    { type: TRAFFIC_REVISION, revision: 'rich-00001-old', tag: 'stable', percent: 0 }
  ],
  template: {
    revision: 'rich-00002-cur',
    labels: { tier: 'backend' },
    annotations: { 'example.com/build': '42' },
    serviceAccount: RUNTIME_EMAIL,
    scaling: { minInstanceCount: 1, maxInstanceCount: 20 },
    vpcAccess: {
      connector: 'projects/myproject-a/locations/asia-northeast1/connectors/vpc',
      egress: 'PRIVATE_RANGES_ONLY'
    },
    timeout: '120s',
    maxInstanceRequestConcurrency: 40,
    executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2',
    sessionAffinity: true,
    volumes: [
      { name: 'creds', secret: { secret: 'db-creds', items: [{ path: 'password', version: '3' }] } }
    ],
    containers: [
      {
        name: 'app',
        image: LATEST,
        command: ['/app'],
        args: ['--serve'],
        ports: [{ name: 'http1', containerPort: 8080 }],
        env: [
          { name: 'LOG_LEVEL', value: 'debug' },
          {
            name: 'API_KEY',
            valueSource: { secretKeyRef: { secret: 'api-key', version: 'latest' } }
          }
        ],
        resources: { limits: { cpu: '2', memory: '1Gi' }, cpuIdle: true, startupCpuBoost: true },
        startupProbe: { tcpSocket: { port: 8080 }, periodSeconds: 5, failureThreshold: 10 },
        livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 30 },
        volumeMounts: [{ name: 'creds', mountPath: '/secrets' }]
      },
      { name: 'proxy', image: 'nginx:1.27', dependsOn: ['app'] }
    ]
  }
}

/** Plain and secret environment variables, and a secret mounted as a file. */
const ENVS: Service = {
  name: serviceName('envs'),
  template: {
    volumes: [{ name: 'cfg', secret: { secret: 'config', items: [{ path: 'app.json' }] } }],
    containers: [
      {
        image: LATEST,
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
          { name: 'TOKEN', valueSource: { secretKeyRef: { secret: 'token', version: '5' } } }
        ],
        volumeMounts: [{ name: 'cfg', mountPath: '/etc/config' }]
      }
    ]
  }
}

/** Serves 80% from its current revision and 20% from an older, tagged one. */
const SPLIT_OLD: Service = {
  name: serviceName('split'),
  template: { revision: 'split-00001-old', containers: [{ image: LATEST }] }
}
const SPLIT: Service = {
  name: serviceName('split'),
  generation: '2',
  traffic: [
    { type: TRAFFIC_REVISION, revision: 'split-00001-old', tag: 'old', percent: 20 },
    { type: TRAFFIC_LATEST, percent: 80 }
  ],
  template: { revision: 'split-00002-cur', containers: [{ image: LATEST }] }
}

const scenario = variant(
  seedGranted,
  'deploy-service',
  'seed-granted with existing services',
  s => ({
    ...s,
    services: [RICH_OLD, RICH, ENVS, SPLIT_OLD, SPLIT]
  })
)

let emulator: Emulator

beforeAll(async () => {
  emulator = await startTestEmulator(scenario, { operationDelayMs: 200 })
})
afterAll(() => emulator.close())
beforeEach(() => emulator.clearLog())

const shortName = (name: string | null | undefined) => name?.split('/').pop()
const containerOf = (service: Service | undefined) => service?.template?.containers?.[0]

describe('create', () => {
  test('a new service: outputs url, revision and digest; the service runs the image', async () => {
    const id = uniqueName('svc')
    const run = await runDeploy(emulator, { service: id, image: V1 })

    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    const service = emulator.cloudRun.getService(serviceName(id))
    expect(service?.terminalCondition?.state).toBe('CONDITION_SUCCEEDED')
    expect(containerOf(service)?.image).toBe(V1)
    expect(service?.client).toBe('cloud-run-deploy-action')
    expect(run.outputs).toMatchObject({
      url: serviceUrl(id),
      revision: shortName(service?.latestReadyRevision),
      image_digest: IMAGE_DIGESTS.v1,
      execution: ''
    })
    expect(run.outputs.revision).toMatch(new RegExp(`^${id}-00001-[a-z]{3}$`))
    expect(calls(emulator, 'run.services.create')).toHaveLength(1)
    expect(calls(emulator, 'run.services.patch')).toHaveLength(0)
    expect(run.summary).toContain(`\`${id}\``)
  })
})

describe('update', () => {
  test('a new image changes the image only: every other setting is kept byte for byte', async () => {
    const before = emulator.cloudRun.getService(RICH.name ?? '')
    const run = await runDeploy(emulator, { service: 'rich', image: V1 })

    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    const after = emulator.cloudRun.getService(RICH.name ?? '')
    const expected = structuredClone(before) as Service
    const app = containerOf(expected)
    if (app) app.image = V1
    // What every deploy changes besides the image: its own revision name and the default labels, on
    // the service and on the revision template.
    if (expected.template) {
      expected.template.revision = run.outputs.revision
      expected.template.labels = { ...expected.template.labels, ...DEFAULT_LABELS }
    }
    expected.labels = { ...expected.labels, ...DEFAULT_LABELS }
    expect(withoutDeployState(after)).toStrictEqual(withoutDeployState(expected))

    // Spelled out, the settings an update must not lose (all covered by the comparison above).
    const kept = (s: Service | undefined) => [
      s?.description,
      s?.annotations,
      s?.ingress,
      s?.scaling,
      s?.traffic,
      s?.binaryAuthorization,
      s?.template?.serviceAccount,
      s?.template?.scaling,
      s?.template?.vpcAccess,
      s?.template?.timeout,
      s?.template?.volumes,
      containerOf(s)?.env,
      containerOf(s)?.resources,
      containerOf(s)?.startupProbe,
      containerOf(s)?.livenessProbe,
      s?.template?.containers?.[1]
    ]
    expect(JSON.stringify(kept(after))).toBe(JSON.stringify(kept(before)))

    expect(calls(emulator, 'run.services.patch')).toHaveLength(1)
    expect(calls(emulator, 'run.services.create')).toHaveLength(0)
    const revision = shortName(after?.latestCreatedRevision)
    expect(revision).toMatch(/^rich-00003-[a-z]{3}$/)
    expect(after?.latestReadyRevision).toBe(after?.latestCreatedRevision)
    expect(run.outputs).toMatchObject({ url: serviceUrl('rich'), revision })
    // The old revisions still exist: the split and the tag still point at them.
    const revisions = emulator.cloudRun.listRevisions(RICH.name ?? '').map(r => shortName(r.name))
    expect(revisions).toEqual(
      expect.arrayContaining(['rich-00001-old', 'rich-00002-cur', revision])
    )
  })

  test('env_vars merge keeps the other variables; overwrite replaces the plain ones only', async () => {
    const merged = await runDeploy(emulator, {
      service: 'envs',
      image: V1,
      env_vars: 'B=20\nC=30',
      labels: 'release=r1'
    })
    expect(merged.exitCode).toBe(0)
    let service = emulator.cloudRun.getService(ENVS.name ?? '')
    expect(containerOf(service)?.env).toStrictEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '20' },
      { name: 'TOKEN', valueSource: { secretKeyRef: { secret: 'token', version: '5' } } },
      { name: 'C', value: '30' }
    ])
    expect(service?.labels).toStrictEqual({ release: 'r1', ...DEFAULT_LABELS })

    const overwritten = await runDeploy(emulator, {
      service: 'envs',
      image: V1,
      env_vars: 'D=4',
      env_vars_update_strategy: 'overwrite'
    })
    expect(overwritten.exitCode).toBe(0)
    service = emulator.cloudRun.getService(ENVS.name ?? '')
    expect(containerOf(service)?.env).toStrictEqual([
      { name: 'TOKEN', valueSource: { secretKeyRef: { secret: 'token', version: '5' } } },
      { name: 'D', value: '4' }
    ])
    // Secrets are another collection: the file mount is untouched, and so are the labels.
    expect(containerOf(service)?.volumeMounts).toStrictEqual(
      ENVS.template?.containers?.[0]?.volumeMounts
    )
    expect(service?.template?.volumes).toStrictEqual(ENVS.template?.volumes)
    expect(service?.labels).toStrictEqual({ release: 'r1', ...DEFAULT_LABELS })
  })

  test('secrets merge adds a secret variable and a mounted file next to the existing ones', async () => {
    const id = uniqueName('sec')
    emulator.cloudRun.putService({ ...structuredClone(ENVS), name: serviceName(id) })
    const run = await runDeploy(emulator, {
      service: id,
      image: V1,
      secrets: 'DB_PASSWORD=db-pass:2\n/etc/tls/key.pem=tls-key'
    })
    expect(run.exitCode).toBe(0)
    const service = emulator.cloudRun.getService(serviceName(id))
    expect(containerOf(service)?.env).toStrictEqual([
      ...(ENVS.template?.containers?.[0]?.env ?? []),
      { name: 'DB_PASSWORD', valueSource: { secretKeyRef: { secret: 'db-pass', version: '2' } } }
    ])
    expect(service?.template?.volumes).toStrictEqual([
      ...(ENVS.template?.volumes ?? []),
      {
        name: 'secret-etc-tls',
        secret: { secret: 'tls-key', items: [{ path: 'key.pem', version: 'latest' }] }
      }
    ])
    expect(containerOf(service)?.volumeMounts).toStrictEqual([
      { name: 'cfg', mountPath: '/etc/config' },
      { name: 'secret-etc-tls', mountPath: '/etc/tls' }
    ])
  })
})

describe('metadata', () => {
  test('a YAML base spec for a new service, with the inputs applied on top', async () => {
    const id = uniqueName('meta')
    const path = metadataFile(
      'service.yaml',
      [
        'labels:',
        '  team: payments',
        'description: From the file',
        'template:',
        // proto3 JSON accepts the proto field name as well as the JSON one.
        '  max_instance_request_concurrency: 40',
        '  scaling:',
        '    maxInstanceCount: 5',
        '  containers:',
        '    - name: api',
        '      ports:',
        '        - containerPort: 9000',
        '      resources:',
        '        limits: { cpu: "1", memory: 512Mi }',
        '      env:',
        '        - { name: MODE, value: base }',
        '        - { name: KEEP, value: "yes" }',
        ''
      ].join('\n')
    )
    const run = await runDeploy(emulator, {
      service: id,
      image: V1,
      metadata: path,
      env_vars: 'MODE=override',
      labels: 'env=prod'
    })

    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    const service = emulator.cloudRun.getService(serviceName(id))
    expect(service?.labels).toStrictEqual({ team: 'payments', env: 'prod', ...DEFAULT_LABELS })
    expect(service?.description).toBe('From the file')
    expect(service?.template?.maxInstanceRequestConcurrency).toBe(40)
    expect(service?.template?.scaling).toStrictEqual({ maxInstanceCount: 5 })
    expect(service?.template?.containers).toStrictEqual([
      {
        name: 'api',
        image: V1,
        ports: [{ containerPort: 9000 }],
        resources: { limits: { cpu: '1', memory: '512Mi' } },
        env: [
          { name: 'MODE', value: 'override' },
          { name: 'KEEP', value: 'yes' }
        ]
      }
    ])
    expect(service?.terminalCondition?.state).toBe('CONDITION_SUCCEEDED')
  })

  test('on an existing service the file replaces the fields it names and keeps the rest', async () => {
    const id = uniqueName('meta')
    emulator.cloudRun.putService({ ...structuredClone(RICH), name: serviceName(id), traffic: [] })
    const before = emulator.cloudRun.getService(serviceName(id))
    const path = metadataFile(
      'service.json',
      JSON.stringify({ description: 'New description', template: { timeout: '30s' } })
    )
    const run = await runDeploy(emulator, { service: id, image: V1, metadata: path })

    expect(run.exitCode).toBe(0)
    const after = emulator.cloudRun.getService(serviceName(id))
    expect(after?.description).toBe('New description')
    expect(after?.template?.timeout).toBe('30s')
    expect(after?.labels).toStrictEqual({ ...before?.labels, ...DEFAULT_LABELS })
    expect(after?.template?.vpcAccess).toStrictEqual(before?.template?.vpcAccess)
    expect(containerOf(after)?.env).toStrictEqual(containerOf(before)?.env)
    expect(containerOf(after)?.image).toBe(V1)
  })

  test('an unknown field is an error that names it, before any call to Google', async () => {
    const path = metadataFile(
      'service.yaml',
      'template:\n  containers:\n    - image: x\n      imagePullPolicy: Always\n'
    )
    const run = await runDeploy(emulator, { service: 'rich', image: V1, metadata: path })

    expect(run.exitCode).toBe(1)
    expect(errors(run)).toHaveLength(1)
    expect(failureMessage(run)).toContain('template.containers[0].imagePullPolicy is not a field')
    expect(failureMessage(run)).toContain(path)
    expect(emulator.requestLog).toHaveLength(0)
    expectNoStackTrace(run)
  })

  test('a misspelt field is named with the likely intended one', async () => {
    const path = metadataFile('service.yaml', 'template:\n  scailing:\n    maxInstanceCount: 3\n')
    const run = await runDeploy(emulator, { service: 'rich', image: V1, metadata: path })

    expect(run.exitCode).toBe(1)
    expect(failureMessage(run)).toContain(
      'template.scailing is not a field here (did you mean scaling?)'
    )
    expect(emulator.requestLog).toHaveLength(0)
  })
})

describe('traffic', () => {
  test('tag with no_traffic: existing traffic keeps its percents, the new revision gets the tag at 0%', async () => {
    const before = emulator.cloudRun.getService(SPLIT.name ?? '')
    const serving = shortName(before?.latestReadyRevision)
    expect(serving).toBe('split-00002-cur')
    const run = await runDeploy(emulator, {
      service: 'split',
      image: V1,
      tag: 'canary',
      no_traffic: 'true'
    })

    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    const after = emulator.cloudRun.getService(SPLIT.name ?? '')
    const created = shortName(after?.latestCreatedRevision)
    expect(created).not.toBe(serving)
    expect(after?.traffic).toStrictEqual([
      { type: TRAFFIC_REVISION, revision: 'split-00001-old', tag: 'old', percent: 20 },
      // What LATEST served is pinned to the revision that served it.
      { type: TRAFFIC_REVISION, revision: serving, percent: 80 },
      { type: TRAFFIC_REVISION, revision: created, tag: 'canary', percent: 0 }
    ])
    // What is actually served: the same 20/80 as before, and the tag reaches the new revision only.
    expect(after?.trafficStatuses).toStrictEqual([
      {
        type: TRAFFIC_REVISION,
        revision: 'split-00001-old',
        tag: 'old',
        percent: 20,
        uri: serviceUrl('split', 'old')
      },
      { type: TRAFFIC_REVISION, revision: serving, percent: 80 },
      {
        type: TRAFFIC_REVISION,
        revision: created,
        tag: 'canary',
        percent: 0,
        uri: serviceUrl('split', 'canary')
      }
    ])
    expect(run.outputs).toMatchObject({ url: serviceUrl('split', 'canary'), revision: created })
  })

  test('no_traffic on a service that does not exist yet is refused, nothing is created', async () => {
    const id = uniqueName('new')
    const run = await runDeploy(emulator, { service: id, image: V1, no_traffic: 'true' })

    expect(run.exitCode).toBe(1)
    expect(failureMessage(run)).toContain('no_traffic')
    expect(emulator.cloudRun.getService(serviceName(id))).toBeUndefined()
    expect(calls(emulator, 'run.services.create')).toHaveLength(0)
    expectNoStackTrace(run)
  })
})

describe('wait: false', () => {
  afterEach(() => emulator.setOptions({ operationDelayMs: 200 }))

  test('returns once the request is accepted; the operation is still running', async () => {
    // Long enough that nothing but a wait could see it finish.
    emulator.setOptions({ operationDelayMs: 600_000 })
    const id = uniqueName('nowait')
    const run = await runDeploy(emulator, { service: id, image: V1, wait: 'false' })

    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    const operations = emulator.cloudRun
      .listOperations()
      .filter(o => (o.metadata as Service | undefined)?.name === serviceName(id))
    expect(operations).toHaveLength(1)
    expect(operations[0]?.done).toBe(false)
    const service = emulator.cloudRun.getService(serviceName(id))
    expect(service?.reconciling).toBe(true)
    expect(run.outputs.url).toBe(serviceUrl(id))
    expect(run.outputs.revision).toBe(shortName(service?.latestCreatedRevision))
    expect(calls(emulator, 'run.operations.wait')).toHaveLength(0)
    expect(calls(emulator, 'run.operations.get')).toHaveLength(0)
  })
})
