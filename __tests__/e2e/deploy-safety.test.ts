/**
 * Issue 9, "deploys users can trust with production", end to end: the built action against one emulator
 * whose Cloud Run enforces the rules a real one does (traffic adds up to 100, a mount names a volume, an
 * identical template makes no revision). Each test names the defect or requirement it proves; the
 * registries, group bindings and polling are in deploy-safety-checks.test.ts.
 *
 * The scenario is seed-granted with a deployer that can read every policy above the repositories (so a
 * missing access is a definite `missing`), a third project whose `tools` repository only the deployer may
 * read, and live resources shaped for each rule.
 */
import type { run_v2 } from 'googleapis/build/src/apis/run/v2.js'
import {
  binding,
  digest,
  policy,
  repositoryName,
  variant,
  withBinding
} from '../../emulator/scenarios/helpers.js'
import {
  DEPLOYER,
  IMAGE,
  IMAGE_PROJECT,
  ORGANIZATION,
  REGION,
  REPOSITORY_PRINCIPALS,
  SERVICE_AGENT,
  seedGranted
} from '../../emulator/scenarios/seed.js'
import type { Emulator } from '../../emulator/server.js'
import { startTestEmulator } from '../harness/emulator.js'
import { uniqueName, type ActionRun } from '../harness/runAction.js'
import {
  calls,
  DEFAULT_LABELS,
  errors,
  expectNoStackTrace,
  failureMessage,
  jobName,
  runDeploy,
  serviceName,
  serviceUrl,
  TRAFFIC_LATEST,
  TRAFFIC_REVISION,
  workerPoolName
} from './deploy-support.js'
import { deployCalls, iamWrites, report } from './permissions-support.js'

type Service = run_v2.Schema$GoogleCloudRunV2Service
type Job = run_v2.Schema$GoogleCloudRunV2Job
type WorkerPool = run_v2.Schema$GoogleCloudRunV2WorkerPool

const V1 = `${IMAGE}:v1`
const LATEST = `${IMAGE}:latest`

/** A project other than the image's and the target's, with a repository the service agent cannot read. */
const TOOLS_PROJECT = 'myproject-c'
const TOOLS_REPOSITORY = repositoryName(TOOLS_PROJECT, REGION, 'tools')
const TOOLS_IMAGE = `${REGION}-docker.pkg.dev/${TOOLS_PROJECT}/tools/collector:1.0`

/** Serves 90% from LATEST and 10% from its first revision, which carries the tag `canary`. */
const API_FIRST: Service = {
  name: serviceName('api'),
  template: { revision: 'api-00001-abc', containers: [{ image: LATEST }] }
}
const API: Service = {
  name: serviceName('api'),
  generation: '2',
  traffic: [
    { type: TRAFFIC_LATEST, percent: 90 },
    { type: TRAFFIC_REVISION, revision: 'api-00001-abc', tag: 'canary', percent: 10 }
  ],
  template: { revision: 'api-00002-cur', containers: [{ image: LATEST }] }
}

/** A secret volume of two files with a defaultMode, and an emptyDir, both mounted. */
const CREDS_VOLUME = {
  name: 'creds',
  secret: {
    secret: 'db-creds',
    defaultMode: 256,
    items: [
      { path: 'password', version: '3' },
      { path: 'user', version: '1' }
    ]
  }
}
const FILES: Service = {
  name: serviceName('files'),
  template: {
    volumes: [CREDS_VOLUME, { name: 'cache', emptyDir: { medium: 'MEMORY' } }],
    containers: [
      {
        image: LATEST,
        volumeMounts: [
          { name: 'creds', mountPath: '/secrets' },
          { name: 'cache', mountPath: '/cache' }
        ]
      }
    ]
  }
}

/** An ingress container and a sidecar, each with its own env. */
const PAIR: Service = {
  name: serviceName('pair'),
  template: {
    containers: [
      {
        name: 'app',
        image: LATEST,
        ports: [{ containerPort: 8080 }],
        env: [{ name: 'ROLE', value: 'app' }]
      },
      { name: 'sidecar', image: LATEST, env: [{ name: 'ROLE', value: 'sidecar' }] }
    ]
  }
}

/** Two secret volumes mounted by both containers, and an emptyDir mounted by the ingress one. */
const MOUNTS: Service = {
  name: serviceName('mounts'),
  template: {
    volumes: [
      {
        name: 'creds',
        secret: { secret: 'db-creds', items: [{ path: 'password', version: '3' }] }
      },
      { name: 'tls', secret: { secret: 'tls-cert' } },
      { name: 'scratch', emptyDir: {} }
    ],
    containers: [
      {
        name: 'app',
        image: LATEST,
        ports: [{ containerPort: 8080 }],
        env: [{ name: 'OLD', valueSource: { secretKeyRef: { secret: 'old', version: '1' } } }],
        volumeMounts: [
          { name: 'creds', mountPath: '/secrets' },
          { name: 'scratch', mountPath: '/scratch' }
        ]
      },
      {
        name: 'proxy',
        image: 'nginx:1.27',
        volumeMounts: [
          { name: 'tls', mountPath: '/etc/tls' },
          { name: 'creds', mountPath: '/creds' }
        ]
      }
    ]
  }
}

/** An ingress container from the readable repository, and a sidecar from TOOLS_REPOSITORY. */
const COLLECTED: Service = {
  name: serviceName('collected'),
  template: {
    containers: [
      { name: 'app', image: LATEST, ports: [{ containerPort: 8080 }] },
      { name: 'collector', image: TOOLS_IMAGE }
    ]
  }
}

/** Output-only fields as a read shows them: they must never go back in a write. */
const BUILD_INFO = { functionTarget: 'handle', sourceLocation: 'gs://sources/app.zip' }
const WATCHED: Service = {
  name: serviceName('watched'),
  threatDetectionEnabled: true,
  template: { containers: [{ image: LATEST, buildInfo: BUILD_INFO }] }
}
const CONSUMER: WorkerPool = {
  name: workerPoolName('consumer'),
  threatDetectionEnabled: true,
  template: {
    revision: 'consumer-00001-cur',
    containers: [{ name: 'worker', image: LATEST, buildInfo: BUILD_INFO }]
  }
}

/** Services for the lost-PATCH cases: an env-only redeploy of each. */
const lostPatchService = (id: string): Service => ({
  name: serviceName(id),
  labels: { team: 'api' },
  template: { containers: [{ image: V1, env: [{ name: 'A', value: '1' }] }] }
})

const BATCH: Job = {
  name: jobName('batch'),
  template: { labels: { run: 'batch' }, template: { containers: [{ image: LATEST }] } }
}

const scenario = variant(
  seedGranted,
  'deploy-safety',
  'seed-granted with a deployer that reads every policy, a tools repository in myproject-c that ' +
    'the service agent cannot read, and live resources for the rules of issue 9.',
  s => withBinding(s, `projects/${IMAGE_PROJECT}`, 'roles/viewer', DEPLOYER),
  s => withBinding(s, `organizations/${ORGANIZATION}`, 'roles/iam.securityReviewer', DEPLOYER),
  s => ({
    ...s,
    projects: [
      ...s.projects,
      {
        projectId: TOOLS_PROJECT,
        projectNumber: '333333333333',
        parent: `organizations/${ORGANIZATION}`,
        policy: policy(binding('roles/viewer', DEPLOYER))
      }
    ],
    repositories: [
      ...(s.repositories ?? []),
      {
        name: TOOLS_REPOSITORY,
        policy: policy(binding('roles/artifactregistry.reader', DEPLOYER, REPOSITORY_PRINCIPALS)),
        images: { collector: { '1.0': digest('collector:1.0') } }
      }
    ],
    services: [
      API_FIRST,
      API,
      FILES,
      PAIR,
      MOUNTS,
      COLLECTED,
      WATCHED,
      lostPatchService('lost'),
      lostPatchService('dropped')
    ],
    jobs: [BATCH],
    workerPools: [CONSUMER]
  })
)

let emulator: Emulator

beforeAll(async () => {
  emulator = await startTestEmulator(scenario, { operationDelayMs: 200 })
})
afterAll(() => emulator.close())
beforeEach(() => emulator.clearLog())

const shortName = (name: string | null | undefined) => name?.split('/').pop()
const service = (id: string) => emulator.cloudRun.getService(serviceName(id))
const revisionsOf = (id: string) =>
  emulator.cloudRun.listRevisions(serviceName(id)).map(r => shortName(r.name))

function expectDeployed(run: ActionRun) {
  expect(errors(run)).toEqual([])
  expect(run.exitCode).toBe(0)
  expect(run.outputs.outcome).toBe('deployed')
}

describe('traffic', () => {
  // Issue 9, defect 1: moving a tag took its entry's percentage with it (90% in total), which Cloud Run
  // refuses. Like gcloud run deploy --tag, only the tag moves; every percentage stays.
  test('moving a tag keeps every percentage: the old revision keeps 10% untagged, the new one gets the tag at 0%', async () => {
    const run = await runDeploy(emulator, { service: 'api', image: V1, tag: 'canary' })

    expectDeployed(run)
    const after = service('api')
    const created = shortName(after?.latestCreatedRevision)
    expect(created).toBe(run.outputs.revision)
    expect(after?.traffic).toStrictEqual([
      { type: TRAFFIC_LATEST, percent: 90 },
      { type: TRAFFIC_REVISION, revision: 'api-00001-abc', percent: 10 },
      { type: TRAFFIC_REVISION, revision: created, tag: 'canary', percent: 0 }
    ])
    expect((after?.traffic ?? []).reduce((sum, t) => sum + (t.percent ?? 0), 0)).toBe(100)
    expect(after?.latestReadyRevision).toBe(after?.latestCreatedRevision)
    // The tag's URL now reaches the new revision, and the run names it.
    expect(run.outputs.url).toBe(serviceUrl('api', 'canary'))
    expect(run.summary).toContain('new revision 90%')
  })
})

describe('secrets', () => {
  // Issue 9, defects 2 and 11: a file merged into a secret volume replaced the volume (its other items
  // and defaultMode were lost); a version alias and a full resource name were refused.
  test('a file joins its secret volume item by item; aliases and full resource names are deployed as given', async () => {
    const run = await runDeploy(emulator, {
      service: 'files',
      image: V1,
      secrets: [
        '/secrets/token=db-creds:4',
        'API=api-key:prod',
        'DB=projects/other-project/secrets/db/versions/3'
      ].join('\n')
    })

    expectDeployed(run)
    const after = service('files')
    expect(after?.template?.volumes).toStrictEqual([
      {
        name: 'creds',
        secret: {
          secret: 'db-creds',
          defaultMode: 256,
          items: [
            { path: 'password', version: '3' },
            { path: 'user', version: '1' },
            { path: 'token', version: '4' }
          ]
        }
      },
      { name: 'cache', emptyDir: { medium: 'MEMORY' } }
    ])
    const container = after?.template?.containers?.[0]
    expect(container?.volumeMounts).toStrictEqual(FILES.template?.containers?.[0]?.volumeMounts)
    expect(container?.env).toStrictEqual([
      { name: 'API', valueSource: { secretKeyRef: { secret: 'api-key', version: 'prod' } } },
      {
        name: 'DB',
        valueSource: {
          secretKeyRef: { secret: 'projects/other-project/secrets/db', version: '3' }
        }
      }
    ])
  })

  // Issue 9, defect 2: a secret mounted at the directory of an emptyDir silently turned it into a secret
  // volume. It is an input error, in one line, before anything is written.
  test('a secret over a non-secret volume is a one-line error, and nothing is written', async () => {
    const before = service('files')
    const run = await runDeploy(emulator, {
      service: 'files',
      image: V1,
      secrets: '/cache/key=s:1'
    })

    expect(run.exitCode).toBe(1)
    expect(errors(run)).toHaveLength(1)
    const message = failureMessage(run)
    expect(message.split('\n')).toHaveLength(1)
    expect(message).toContain('/cache')
    expect(message).toContain('emptyDir')
    expect(deployCalls(emulator)).toEqual([])
    expect(service('files')).toStrictEqual(before)
    expectNoStackTrace(run)
  })
})

describe('revisions and labels', () => {
  // Issue 9, defect 4: Cloud Run makes no revision for an identical template, so a rerun (or a redeploy
  // of :latest) changed nothing and still ended green. Every deploy now makes, and outputs, a revision;
  // the default labels are on the service and on its revision template.
  test('the same inputs twice make two revisions; the second serves; the default labels are set', async () => {
    const id = uniqueName('rerun')
    const first = await runDeploy(emulator, { service: id, image: V1 })
    expectDeployed(first)
    const second = await runDeploy(emulator, { service: id, image: V1 })
    expectDeployed(second)

    expect(first.outputs.revision).toMatch(new RegExp(`^${id}-`))
    expect(second.outputs.revision).toMatch(new RegExp(`^${id}-`))
    expect(second.outputs.revision).not.toBe(first.outputs.revision)
    expect(revisionsOf(id)).toEqual([first.outputs.revision, second.outputs.revision])
    const after = service(id)
    expect(shortName(after?.latestReadyRevision)).toBe(second.outputs.revision)
    expect(after?.traffic).toStrictEqual([{ type: TRAFFIC_LATEST, percent: 100 }])
    expect(calls(emulator, 'run.services.patch')).toHaveLength(1)

    expect(after?.labels).toStrictEqual(DEFAULT_LABELS)
    expect(after?.template?.labels).toStrictEqual(DEFAULT_LABELS)
    const revision = emulator.cloudRun.getRevision(
      `${serviceName(id)}/revisions/${second.outputs.revision}`
    )
    expect(revision?.labels).toMatchObject(DEFAULT_LABELS)
  })

  // Issue 9, "What to build": suffix names the revision <service>-<suffix> (deploy-cloudrun's input);
  // skip_default_labels leaves the default labels off.
  test('suffix names the revision; skip_default_labels leaves the default labels off', async () => {
    const id = uniqueName('named')
    const run = await runDeploy(emulator, {
      service: id,
      image: V1,
      suffix: 'v2',
      skip_default_labels: 'true',
      labels: 'team=api'
    })

    expectDeployed(run)
    expect(run.outputs.revision).toBe(`${id}-v2`)
    const after = service(id)
    expect(shortName(after?.latestReadyRevision)).toBe(`${id}-v2`)
    expect(revisionsOf(id)).toEqual([`${id}-v2`])
    expect(after?.labels).toStrictEqual({ team: 'api' })
    expect(after?.template?.labels).toStrictEqual({ team: 'api' })
  })

  // Issue 9, "Jobs: the updated template is what the next execution runs".
  test('a job deployed with a new image and executed runs the new image, with the default labels', async () => {
    const run = await runDeploy(emulator, { job: 'batch', image: V1, execute: 'true' })

    expectDeployed(run)
    const job = emulator.cloudRun.getJob(BATCH.name ?? '')
    expect(job?.template?.template?.containers?.[0]?.image).toBe(V1)
    const executions = emulator.cloudRun.listExecutions(BATCH.name ?? '')
    expect(executions).toHaveLength(1)
    expect(run.outputs.execution).toBe(executions[0]?.name)
    expect(executions[0]?.template?.containers?.[0]?.image).toBe(V1)
    expect(executions[0]?.labels).toStrictEqual({ run: 'batch', ...DEFAULT_LABELS })
    // The deploy came first, then the run: the execution was made from the updated job.
    const order = emulator.requestLog
      .filter(r => r.mutating)
      .map(r => r.name)
      .filter(name => name.startsWith('run.jobs.'))
    expect(order).toEqual(['run.jobs.patch', 'run.jobs.run'])
  })
})

describe('multi-container', () => {
  // Issue 9, defect 5: image, env and secrets always went to the ingress container. `container` names
  // the one that receives them; every other container is kept as it was.
  test('container: sidecar sends the image and env to the sidecar; the ingress container is untouched', async () => {
    const before = service('pair')
    const run = await runDeploy(emulator, {
      service: 'pair',
      image: V1,
      container: 'sidecar',
      env_vars: 'MODE=fast'
    })

    expectDeployed(run)
    const [app, sidecar] = service('pair')?.template?.containers ?? []
    expect(app).toStrictEqual(before?.template?.containers?.[0])
    expect(sidecar).toStrictEqual({
      name: 'sidecar',
      image: V1,
      env: [
        { name: 'ROLE', value: 'sidecar' },
        { name: 'MODE', value: 'fast' }
      ]
    })
  })

  // Issue 9, defect 5: `overwrite` removed the secret volumes but left a sidecar's mounts of them, which
  // Cloud Run (and the emulator) refuse: a mount must name a volume.
  test('secrets_update_strategy overwrite removes the secret volumes and their mounts in every container', async () => {
    const run = await runDeploy(emulator, {
      service: 'mounts',
      image: V1,
      secrets: 'API_KEY=api-key:2',
      secrets_update_strategy: 'overwrite'
    })

    expectDeployed(run)
    const after = service('mounts')
    expect(after?.template?.volumes).toStrictEqual([{ name: 'scratch', emptyDir: {} }])
    const [app, proxy] = after?.template?.containers ?? []
    expect(app?.volumeMounts).toStrictEqual([{ name: 'scratch', mountPath: '/scratch' }])
    expect(app?.env).toStrictEqual([
      { name: 'API_KEY', valueSource: { secretKeyRef: { secret: 'api-key', version: '2' } } }
    ])
    expect(proxy).toStrictEqual({ name: 'proxy', image: 'nginx:1.27' })
  })

  // Issue 9, defect 5 and "Done when": the service agent pulls every container's image. A sidecar's image
  // in a repository it cannot read is a `missing` finding that names the container and the image,
  // found by the checks, before any write.
  test('a sidecar image the service agent cannot read blocks the deploy with a finding that names it', async () => {
    const before = service('collected')
    const run = await runDeploy(emulator, { service: 'collected', image: V1 })

    expect(run.exitCode).toBe(1)
    expect(run.outputs.outcome).toBe('blocked')
    expect(run.outputs.service_agent_access).toBe('missing')
    const missing = JSON.parse(run.outputs.missing_permissions ?? '[]') as {
      check: string
      principal: string
      resource: string
      status: string
      source: string
      detail: string
    }[]
    expect(missing).toHaveLength(1)
    expect(missing[0]).toMatchObject({
      check: 'service-agent',
      principal: SERVICE_AGENT,
      resource: TOOLS_REPOSITORY,
      status: 'missing',
      source: 'check'
    })
    expect(missing[0]?.detail).toContain('collector')
    expect(missing[0]?.detail).toContain(TOOLS_IMAGE)
    // The main image's repository is readable: only the sidecar blocks.
    const agent = report(run).findings.filter(f => f.check === 'service-agent')
    expect(agent.map(f => [f.resource, f.status])).toEqual(
      expect.arrayContaining([[repositoryName(IMAGE_PROJECT, REGION, 'myrepo'), 'ok']])
    )
    expect(errors(run).some(a => a.message.includes(TOOLS_IMAGE))).toBe(true)
    expect(deployCalls(emulator)).toEqual([])
    expect(iamWrites(emulator)).toEqual([])
    expect(service('collected')).toStrictEqual(before)
    expectNoStackTrace(run)
  })
})

describe('output-only fields', () => {
  // Issue 9, defect 8: threatDetectionEnabled, instanceSplitStatuses and containers[].buildInfo were sent
  // back on update. They are read from the live resource and must never be written.
  const OUTPUT_ONLY = [
    'threatDetectionEnabled',
    'instanceSplitStatuses',
    'buildInfo',
    'trafficStatuses',
    'terminalCondition',
    'latestReadyRevision',
    'observedGeneration'
  ]
  /** Every key at every depth of a request body. */
  const keysOf = (value: unknown): string[] =>
    Array.isArray(value)
      ? value.flatMap(keysOf)
      : value && typeof value === 'object'
        ? Object.entries(value).flatMap(([key, inner]) => [key, ...keysOf(inner)])
        : []

  test.each([
    ['service', 'watched', 'run.services.patch'],
    ['worker_pool', 'consumer', 'run.workerPools.patch']
  ])('the %s update carries none of them', async (input, id, route) => {
    const live =
      input === 'service' ? service(id) : emulator.cloudRun.getWorkerPool(CONSUMER.name ?? '')
    // What the action reads carries them (the test would prove nothing otherwise).
    expect(keysOf(live)).toEqual(
      expect.arrayContaining(
        input === 'service'
          ? ['threatDetectionEnabled', 'buildInfo']
          : ['threatDetectionEnabled', 'instanceSplitStatuses', 'buildInfo']
      )
    )
    const run = await runDeploy(emulator, { [input]: id, image: V1 })

    expectDeployed(run)
    const patches = calls(emulator, route)
    expect(patches).toHaveLength(1)
    const body = patches[0]?.body as Service | WorkerPool | undefined
    expect(body?.template?.containers?.[0]?.image).toBe(V1)
    expect(keysOf(body).filter(key => OUTPUT_ONLY.includes(key))).toEqual([])
  })
})

describe('a PATCH whose answer was lost', () => {
  // Issue 9, defect 10: recovery compared only the images. An env-only redeploy whose answer is lost
  // while someone else edits the service was reported as applied. The evidence (generation, the
  // revision this run named, every field sent) says it was not: the run fails and says why.
  test('someone else changed the service meanwhile: not applied, said so, exit 1', async () => {
    const name = serviceName('lost')
    emulator.addFault({
      route: 'run.services.patch',
      pathIncludes: '/services/lost',
      kind: 'status',
      status: 503,
      times: 1,
      sideEffect: () => {
        emulator.cloudRun.mutateService(name, s => {
          s.labels = { ...s.labels, owner: 'console' }
        })
      }
    })
    const run = await runDeploy(emulator, { service: 'lost', image: V1, env_vars: 'B=2' })

    expect(run.exitCode).toBe(1)
    expect(run.outputs.outcome).toBe('failed')
    expect(failureMessage(run)).toContain('changed by someone else')
    const after = service('lost')
    expect(after?.template?.containers?.[0]?.env).toStrictEqual([{ name: 'A', value: '1' }])
    // The other writer's change stands, and the PATCH was not sent again over it.
    expect(after?.labels).toStrictEqual({ team: 'api', owner: 'console' })
    expect(calls(emulator, 'run.services.patch')).toHaveLength(1)
    expect(revisionsOf('lost')).toHaveLength(1)
    expectNoStackTrace(run)
  })

  // The opposite case: the PATCH went through and only its answer was cut off. Read back, it is what
  // this run sent: reported as applied, with one new revision and no second PATCH.
  test('the PATCH went through and its answer was dropped: reported as applied, one revision', async () => {
    const before = revisionsOf('dropped')
    emulator.addFault({
      route: 'run.services.patch',
      pathIncludes: '/services/dropped',
      kind: 'drop',
      times: 1
    })
    const run = await runDeploy(emulator, { service: 'dropped', image: V1, env_vars: 'B=2' })

    expectDeployed(run)
    const after = service('dropped')
    expect(after?.template?.containers?.[0]?.env).toStrictEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '2' }
    ])
    expect(calls(emulator, 'run.services.patch')).toHaveLength(1)
    expect(revisionsOf('dropped')).toEqual([...before, run.outputs.revision])
    expect(shortName(after?.latestReadyRevision)).toBe(run.outputs.revision)
  })
})
