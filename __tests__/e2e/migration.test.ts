/**
 * Issue 11, end to end: a deploy-cloudrun workflow switches to this action by changing its `uses:` line.
 * Each test runs the built action through the harness against the emulator (seed-granted: the image is in
 * myproject-b and the service agent may pull it) and checks what a user sees (exit code, outputs,
 * annotations, summary, step log) and what Cloud Run received and holds afterwards:
 * - `flags` as deploy-cloudrun users write them, translated to the v2 fields gcloud sets, with the deployer
 *   check asking for what `--allow-unauthenticated` needs; an unsupported flag stops the run before any call;
 * - Knative (`gcloud ... describe --format export`) metadata for a service and for a job;
 * - `revision_traffic: LATEST=100` after a rollback, and `tag_traffic` with `tag`, which waits for a
 *   ready revision;
 * - several regions, one failing, after one authentication and one set of checks;
 * - deploy-cloudrun's (and actions-utils') `env_vars` test vectors.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { run_v2 } from 'googleapis/build/src/apis/run/v2.js'
import YAML from 'yaml'
import { variant } from '../../emulator/scenarios/helpers.js'
import {
  ADMIN,
  DEPLOYER,
  DEPLOYER_EMAIL,
  IMAGE,
  REGION,
  RUNTIME_EMAIL,
  TARGET_NUMBER,
  TARGET_PROJECT,
  seedGranted
} from '../../emulator/scenarios/seed.js'
import type { Emulator, RequestLogEntry } from '../../emulator/server.js'
import { startTestEmulator } from '../harness/emulator.js'
import { PROJECT_ROOT, uniqueName } from '../harness/runAction.js'
import {
  calls,
  DEFAULT_LABELS,
  errors,
  expectNoStackTrace,
  failureMessage,
  jobName,
  metadataFile,
  missingPermissions,
  runDeploy,
  serviceName,
  serviceUrl,
  TRAFFIC_LATEST,
  TRAFFIC_REVISION
} from './deploy-support.js'
import { deployCalls, iamWrites, report } from './permissions-support.js'

type Service = run_v2.Schema$GoogleCloudRunV2Service
type Job = run_v2.Schema$GoogleCloudRunV2Job
type TrafficTarget = run_v2.Schema$GoogleCloudRunV2TrafficTarget

const V1 = `${IMAGE}:v1`
const LATEST = `${IMAGE}:latest`
const SET_IAM = 'run.services.setIamPolicy'

/** A service the deployer may make public: roles/run.admin on it alone (granted in beforeAll). */
const PUBLIC_ID = 'public-api'
const PUBLIC = serviceName(PUBLIC_ID)

let emulator: Emulator

beforeAll(async () => {
  emulator = await startTestEmulator(
    variant(seedGranted, 'migration', 'seed-granted, with a service to make public', s => ({
      ...s,
      services: [{ name: PUBLIC, template: { containers: [{ image: LATEST }] } }]
    })),
    { operationDelayMs: 200 }
  )
  // run.services.setIamPolicy on this service only: the deployer keeps roles/run.developer on the
  // project, so a new service cannot be made public (the missing-permission test below).
  emulator.setPolicyAs(ADMIN, PUBLIC, policy => ({
    ...policy,
    bindings: [...(policy.bindings ?? []), { role: 'roles/run.admin', members: [DEPLOYER] }]
  }))
})
afterAll(() => emulator.close())
beforeEach(() => {
  emulator.clearLog()
  emulator.clearFaults()
})

const shortName = (name: string | null | undefined) => name?.split('/').pop()
const containerOf = (service: Service | undefined) => service?.template?.containers?.[0]
/** The calls of one route that addressed one resource (its name appears in the path). */
const callsOn = (route: string, id: string) =>
  calls(emulator, route).filter(r => r.path.endsWith(`/services/${id}`))
const bodyOf = <T>(entry: RequestLogEntry | undefined) => entry?.body as T

/** A service seeded as if deployed twice before: `<id>-00001-old`, then `<id>-00002-cur`. */
function seedTwice(id: string, traffic: TrafficTarget[]): { old: string; current: string } {
  const old = `${id}-00001-old`
  const current = `${id}-00002-cur`
  emulator.cloudRun.putService({
    name: serviceName(id),
    template: { revision: old, containers: [{ image: LATEST }] }
  })
  emulator.cloudRun.putService({
    name: serviceName(id),
    generation: '2',
    traffic,
    template: { revision: current, containers: [{ image: LATEST }] }
  })
  return { old, current }
}

describe('flags', () => {
  test('a realistic flags string: the v2 fields gcloud sets, public through invokerIamDisabled, in one update', async () => {
    // Requirement: `flags` is accepted and each flag becomes the v2 field gcloud would set
    // (docs/flags.md); --allow-unauthenticated sets invokerIamDisabled in the deploy request itself, the
    // deployer check asks for run.services.setIamPolicy, and no IAM policy is written.
    const flags = [
      '--cpu=2 --memory 1Gi',
      '--min-instances=1 --max-instances=10 --concurrency=80',
      '--port=9000 --timeout=5m',
      '--vpc-connector=shared-egress --vpc-egress=all-traffic',
      `--add-cloudsql-instances=${TARGET_PROJECT}:asia-northeast1:orders,inventory`,
      '--ingress=internal-and-cloud-load-balancing --allow-unauthenticated',
      '--execution-environment=gen2 --no-cpu-throttling',
      '--labels=team=payments,tier=web'
    ].join('\n')
    const run = await runDeploy(emulator, { service: PUBLIC_ID, image: V1, flags })

    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    const service = emulator.cloudRun.getService(PUBLIC)
    const cloudSql = ['orders', 'inventory'].map(i => `${TARGET_PROJECT}:asia-northeast1:${i}`)
    expect(service).toMatchObject({
      ingress: 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER',
      invokerIamDisabled: true,
      labels: { team: 'payments', tier: 'web', ...DEFAULT_LABELS }
    })
    expect(service?.template).toMatchObject({
      labels: { team: 'payments', tier: 'web', ...DEFAULT_LABELS },
      scaling: { minInstanceCount: 1, maxInstanceCount: 10 },
      maxInstanceRequestConcurrency: 80,
      timeout: '300s',
      vpcAccess: {
        // A short name means the deploy's own project and region: v2 takes the full name.
        connector: `projects/${TARGET_PROJECT}/locations/${REGION}/connectors/shared-egress`,
        egress: 'ALL_TRAFFIC'
      },
      executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2',
      volumes: [{ name: 'cloudsql', cloudSqlInstance: { instances: cloudSql } }]
    })
    expect(containerOf(service)).toStrictEqual({
      image: V1,
      ports: [{ containerPort: 9000 }],
      resources: { limits: { cpu: '2', memory: '1Gi' }, cpuIdle: false },
      volumeMounts: [{ name: 'cloudsql', mountPath: '/cloudsql' }]
    })
    expect(service?.terminalCondition?.state).toBe('CONDITION_SUCCEEDED')

    // One write, carrying the switch with everything else: the revision never serves with other access.
    const [patch, ...more] = callsOn('run.services.patch', PUBLIC_ID)
    expect(more).toEqual([])
    expect(bodyOf<Service>(patch)).toMatchObject({
      invokerIamDisabled: true,
      template: { containers: [{ image: V1 }] }
    })
    // The deployer check asked for run.services.setIamPolicy, found it on the service, and said so.
    const asked = report(run).findings.find(f => f.permission === SET_IAM)
    expect(asked).toMatchObject({ check: 'deployer', status: 'ok', resource: PUBLIC })
    expect(calls(emulator, 'run.services.testIamPermissions')).toHaveLength(1)
    // No allUsers binding: the only IAM-shaped change is the field, visible in the request above.
    expect(iamWrites(emulator)).toEqual([])
  })

  test('--allow-unauthenticated without run.services.setIamPolicy: a missing finding, nothing written', async () => {
    // Requirement: the deployer's permission for the public switch is part of the pre-flight check.
    const id = uniqueName('public')
    const run = await runDeploy(emulator, {
      service: id,
      image: V1,
      flags: '--allow-unauthenticated'
    })

    expect(run.exitCode).toBe(1)
    const missing = missingPermissions(run).filter(f => f.permission === SET_IAM)
    expect(missing).toEqual([
      expect.objectContaining({
        check: 'deployer',
        principal: `serviceAccount:${DEPLOYER_EMAIL}`,
        resource: `projects/${TARGET_PROJECT}`,
        status: 'missing'
      })
    ])
    expect(missing[0]?.fix?.gcloud).toContain('--role=roles/run.admin')
    expect(errors(run).map(a => a.properties.title)).toContain(`Missing ${SET_IAM}`)
    expect(failureMessage(run)).toContain(SET_IAM)
    expect(deployCalls(emulator)).toEqual([])
    expect(iamWrites(emulator)).toEqual([])
    expect(emulator.cloudRun.getService(serviceName(id))).toBeUndefined()
    expectNoStackTrace(run)
  })

  test('an unsupported flag: one line naming it and the metadata field to use, no API call', async () => {
    // Requirement: an unsupported flag is a one-line error naming it and its metadata field, with no write
    // (here: no call at all, the inputs are read before anything is sent).
    const run = await runDeploy(emulator, {
      service: PUBLIC_ID,
      image: V1,
      flags: '--cpu=1 --add-volume=name=cache,type=in-memory'
    })

    expect(run.exitCode).toBe(1)
    expect(errors(run).map(a => a.message)).toEqual([
      'Input flags: entry 2 (--add-volume) is not supported: set template.volumes in a metadata file.'
    ])
    expect(emulator.requestLog).toEqual([])
    expectNoStackTrace(run)
  })
})

describe('Knative metadata', () => {
  /** An export-style fixture adapted to the scenario: its project, region, names and accounts. */
  function adapted(file: string, replacements: readonly [string, string][]): string {
    let text = readFileSync(join(PROJECT_ROOT, '__tests__', 'fixtures', 'knative', file), 'utf8')
    for (const [from, to] of replacements) text = text.replaceAll(from, to)
    return text
  }

  test('a service and a job from `gcloud ... describe --format export`: deployed with the converted fields', async () => {
    // Requirement: Knative v1 Service and Job YAML (deploy-cloudrun's metadata) is converted to the v2
    // resource and deployed through v2; the inputs apply on top, and a file field an input replaces is
    // said. The two deploys are independent and run at once.
    const service = uniqueName('checkout')
    const job = uniqueName('report')
    // The service was exported after two deploys: revision 41 keeps 10% under the tag `previous`.
    emulator.cloudRun.putService({
      name: serviceName(service),
      generation: '41',
      template: { revision: `${service}-00041-pov`, containers: [{ image: LATEST }] }
    })
    emulator.cloudRun.putService({
      name: serviceName(service),
      generation: '42',
      template: { revision: `${service}-00042-baz`, containers: [{ image: LATEST }] }
    })
    const servicePath = metadataFile(
      'service.yaml',
      adapted('service.yaml', [
        ['checkout@shop-prod.iam.gserviceaccount.com', RUNTIME_EMAIL],
        ['europe-west1-docker.pkg.dev/shop-prod/apps/proxy:1.4.2', 'nginx:1.27'],
        ['shop-prod', TARGET_PROJECT],
        ['europe-west1', 'asia-northeast1'],
        ['123456789012', TARGET_NUMBER],
        ['checkout', service]
      ])
    )
    const jobPath = metadataFile(
      'job.yaml',
      adapted('job.yaml', [
        ['reports@shop-prod.iam.gserviceaccount.com', RUNTIME_EMAIL],
        ['shop-prod', TARGET_PROJECT],
        ['us-central1', 'asia-northeast1'],
        ['123456789012', TARGET_NUMBER],
        ['nightly-report', job]
      ])
    )
    const [serviceRun, jobRun] = await Promise.all([
      runDeploy(emulator, { service, image: V1, metadata: servicePath }),
      runDeploy(emulator, { job, image: V1, metadata: jobPath })
    ])

    for (const run of [serviceRun, jobRun]) {
      expect(errors(run)).toEqual([])
      expect(run.exitCode).toBe(0)
    }
    const deployed = emulator.cloudRun.getService(serviceName(service))
    const revision = shortName(deployed?.latestReadyRevision)
    expect(revision).toMatch(new RegExp(`^${service}-00043-[a-z]{3}$`))
    expect(serviceRun.outputs.revision).toBe(revision)
    expect(deployed).toMatchObject({
      description: 'Checkout API',
      launchStage: 'BETA',
      ingress: 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER',
      binaryAuthorization: { useDefault: true },
      customAudiences: [`https://${service}.example.com`],
      scaling: { minInstanceCount: 1 },
      labels: { team: 'payments', ...DEFAULT_LABELS },
      traffic: [
        { type: TRAFFIC_LATEST, percent: 90 },
        {
          type: TRAFFIC_REVISION,
          revision: `${service}-00041-pov`,
          percent: 10,
          tag: 'previous'
        }
      ]
    })
    // invokerIamDisabled: 'false' in the file: the field is false (or, as proto3 JSON may, absent).
    expect(deployed?.invokerIamDisabled ?? false).toBe(false)
    expect(deployed?.template).toMatchObject({
      labels: { team: 'payments', ...DEFAULT_LABELS },
      scaling: { minInstanceCount: 2, maxInstanceCount: 20 },
      maxInstanceRequestConcurrency: 80,
      timeout: '120s',
      serviceAccount: RUNTIME_EMAIL,
      sessionAffinity: true,
      executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2',
      vpcAccess: {
        egress: 'PRIVATE_RANGES_ONLY',
        networkInterfaces: [{ network: 'default', subnetwork: 'run-egress', tags: [service] }]
      },
      volumes: [
        {
          name: 'tls',
          secret: {
            secret: `${service}-tls`,
            items: [{ version: 'latest', path: 'tls.crt', mode: 292 }]
          }
        },
        { name: 'scratch', emptyDir: { medium: 'MEMORY', sizeLimit: '256Mi' } },
        {
          name: 'assets',
          gcs: {
            bucket: `${TARGET_PROJECT}-assets`,
            readOnly: true,
            mountOptions: ['implicit-dirs', 'stat-cache-ttl=60s']
          }
        },
        {
          name: 'cloudsql',
          cloudSqlInstance: { instances: [`${TARGET_PROJECT}:asia-northeast1:orders`] }
        }
      ]
    })
    const [app, proxy] = deployed?.template?.containers ?? []
    expect(app).toMatchObject({
      name: 'app',
      // The image input replaces the file's (deploy-cloudrun would have ignored the input).
      image: V1,
      env: [
        { name: 'LOG_LEVEL', value: 'info' },
        {
          name: 'STRIPE_KEY',
          valueSource: {
            secretKeyRef: { secret: 'projects/987654321098/secrets/stripe-key', version: '3' }
          }
        },
        {
          name: 'DB_PASSWORD',
          valueSource: { secretKeyRef: { secret: 'orders-db-password', version: 'latest' } }
        }
      ],
      ports: [{ containerPort: 8080, name: 'http1' }],
      resources: { limits: { cpu: '2', memory: '1Gi' }, cpuIdle: false, startupCpuBoost: true },
      startupProbe: { tcpSocket: { port: 8080 }, periodSeconds: 240, failureThreshold: 1 },
      livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 30 },
      dependsOn: ['proxy']
    })
    expect(proxy).toMatchObject({ name: 'proxy', image: 'nginx:1.27' })
    // The input that replaced a field of the file is a warning before the deploy, and a note in the summary.
    const warned = serviceRun.annotations.filter(a => a.command === 'warning').map(a => a.message)
    expect(warned).toContainEqual(
      expect.stringMatching(
        /^Input image replaces template\.containers\[0\]\.image from the metadata file /
      )
    )
    const note = 'an input replaced template.containers[0].image from the metadata file'
    expect(serviceRun.summary).toContain(`> ${note.replace(/[[\]]/g, '\\$&')}`)

    const deployedJob = emulator.cloudRun.getJob(jobName(job)) as Job
    expect(deployedJob).toMatchObject({
      launchStage: 'GA',
      labels: { team: 'data', ...DEFAULT_LABELS },
      template: {
        labels: { team: 'data', ...DEFAULT_LABELS },
        parallelism: 2,
        taskCount: 4,
        template: {
          maxRetries: 1,
          timeout: '3600s',
          serviceAccount: RUNTIME_EMAIL,
          executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2',
          vpcAccess: {
            connector: `projects/${TARGET_PROJECT}/locations/asia-northeast1/connectors/data-egress`,
            egress: 'ALL_TRAFFIC'
          },
          volumes: [
            { name: 'out', nfs: { server: '10.20.0.2', path: '/exports/reports' } },
            {
              name: 'cloudsql',
              cloudSqlInstance: { instances: [`${TARGET_PROJECT}:asia-northeast1:warehouse`] }
            }
          ]
        }
      }
    })
    expect(deployedJob.template?.template?.containers).toStrictEqual([
      {
        name: 'report',
        image: V1,
        command: ['/app/report'],
        args: ['--date=yesterday'],
        env: [
          {
            name: 'WAREHOUSE_PASSWORD',
            valueSource: { secretKeyRef: { secret: 'warehouse-password', version: '7' } }
          }
        ],
        resources: { limits: { cpu: '2', memory: '4Gi' } },
        volumeMounts: [
          { name: 'out', mountPath: '/out' },
          { name: 'cloudsql', mountPath: '/cloudsql' }
        ]
      }
    ])
    expect(deployedJob.terminalCondition?.state).toBe('CONDITION_SUCCEEDED')
  })
})

describe('traffic', () => {
  test('revision_traffic: LATEST=100 after a rollback sends everything to the new revision, in the deploy itself', async () => {
    // Requirement (deploy-cloudrun#466, #533): all traffic to the latest revision, applied in the same
    // update as the deploy. The service serves a pinned older revision, as after a rollback.
    const id = uniqueName('pinned')
    const { old } = seedTwice(id, [
      { type: TRAFFIC_REVISION, revision: `${id}-00001-old`, percent: 100 }
    ])
    const run = await runDeploy(emulator, {
      service: id,
      image: V1,
      revision_traffic: 'LATEST=100'
    })

    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    const after = emulator.cloudRun.getService(serviceName(id))
    const created = shortName(after?.latestCreatedRevision)
    expect(created).toMatch(new RegExp(`^${id}-00003-[a-z]{3}$`))
    const patches = callsOn('run.services.patch', id)
    expect(patches).toHaveLength(1)
    expect(bodyOf<Service>(patches[0])).toMatchObject({
      traffic: [{ type: TRAFFIC_LATEST, percent: 100 }],
      template: { revision: created }
    })
    expect(after?.traffic).toStrictEqual([{ type: TRAFFIC_LATEST, percent: 100 }])
    expect(after?.trafficStatuses).toStrictEqual([{ type: TRAFFIC_LATEST, percent: 100 }])
    expect(after?.latestReadyRevision).toBe(after?.latestCreatedRevision)
    expect(after?.traffic?.some(t => t.revision === old)).toBe(false)
    expect(run.outputs).toMatchObject({ revision: created, url: serviceUrl(id) })
    expect(run.summary).toContain('new revision 100%')
  })

  test('tag_traffic with tag: the tag moves at once, its 10% only once the new revision is ready', async () => {
    // Requirement: tag_traffic is applied after the deploy, and a percentage for the new revision waits
    // for it to be ready: a second PATCH that changes the traffic only (updateMask=traffic).
    const id = uniqueName('canary')
    const { old, current } = seedTwice(id, [
      { type: TRAFFIC_REVISION, revision: `${id}-00002-cur`, percent: 100 },
      { type: TRAFFIC_REVISION, revision: `${id}-00001-old`, tag: 'canary', percent: 0 }
    ])
    const run = await runDeploy(emulator, {
      service: id,
      image: V1,
      tag: 'canary',
      tag_traffic: 'canary=10'
    })

    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    const after = emulator.cloudRun.getService(serviceName(id))
    const created = shortName(after?.latestCreatedRevision)
    expect(after?.latestReadyRevision).toBe(after?.latestCreatedRevision)
    const [deploy, moveTraffic, ...more] = callsOn('run.services.patch', id)
    expect(more).toEqual([])
    // The deploy moves the tag off the old revision onto the new one, at 0%.
    expect(deploy?.query ?? '').not.toContain('updateMask')
    expect(bodyOf<Service>(deploy).traffic).toStrictEqual([
      { type: TRAFFIC_REVISION, revision: current, percent: 100 },
      { type: TRAFFIC_REVISION, revision: created, tag: 'canary', percent: 0 }
    ])
    // Then, the revision ready, a traffic-only update gives the tag its share.
    expect(run.stdout).toContain(`Revision ${created} is ready; moving traffic`)
    expect(new URLSearchParams(moveTraffic?.query).get('updateMask')).toBe('traffic')
    expect(Object.keys(bodyOf<object>(moveTraffic)).sort()).toEqual(['etag', 'traffic'])
    const final = [
      { type: TRAFFIC_REVISION, revision: current, percent: 90 },
      { type: TRAFFIC_REVISION, revision: created, tag: 'canary', percent: 10 }
    ]
    expect(bodyOf<Service>(moveTraffic).traffic).toStrictEqual(final)
    expect(after?.traffic).toStrictEqual(final)
    expect(after?.traffic?.some(t => t.revision === old)).toBe(false)
    // The traffic-only update left the template as the deploy made it.
    expect(containerOf(after)?.image).toBe(V1)
    expect(after?.template?.revision).toBe(created)
    expect(run.outputs).toMatchObject({ revision: created, url: serviceUrl(id, 'canary') })
    expect(run.summary).toContain('new revision 10%')
  })

  test('tag_traffic with a revision that fails to start: no traffic ever moves to it', async () => {
    // Requirement: a failed deploy never leaves traffic moved to a revision that is not ready.
    const id = uniqueName('broken')
    const { current } = seedTwice(id, [
      { type: TRAFFIC_REVISION, revision: `${id}-00002-cur`, percent: 100 }
    ])
    const run = await runDeploy(emulator, {
      service: id,
      image: V1,
      tag: 'canary',
      tag_traffic: 'canary=10',
      // The emulator's marker for a container that never listens on its port.
      env_vars: 'EMULATOR_FAIL=start'
    })

    expect(run.exitCode).toBe(1)
    expect(failureMessage(run)).toContain('(HEALTH_CHECK_CONTAINER_ERROR)')
    const after = emulator.cloudRun.getService(serviceName(id))
    const failed = shortName(after?.latestCreatedRevision)
    expect(failed).not.toBe(current)
    expect(shortName(after?.latestReadyRevision)).toBe(current)
    // Only the deploy was sent; the traffic that waited for a ready revision never was.
    expect(callsOn('run.services.patch', id)).toHaveLength(1)
    expect(run.stdout).not.toContain('moving traffic')
    expect(after?.traffic).toStrictEqual([
      { type: TRAFFIC_REVISION, revision: current, percent: 100 },
      { type: TRAFFIC_REVISION, revision: failed, tag: 'canary', percent: 0 }
    ])
    const toFailed = (after?.trafficStatuses ?? []).filter(t => t.revision === failed)
    expect(toFailed.every(t => (t.percent ?? 0) === 0)).toBe(true)
    expectNoStackTrace(run)
  })
})

describe('several regions', () => {
  const REGIONS = ['asia-northeast1', 'europe-west1', 'us-central1']
  const urlIn = (id: string, region: string) => `https://${id}-${TARGET_NUMBER}.${region}.run.app`
  /** What is neither Cloud Run nor Cloud Logging: authentication and the checks. */
  const authAndChecks = (log: readonly RequestLogEntry[]) =>
    log
      .filter(r => !r.name.startsWith('run.') && !r.name.startsWith('logging.'))
      .map(r => r.name)
      .sort()

  test('three regions, one refused: the other two deploy and are reported; one authentication, one set of checks', async () => {
    // Requirement: region takes a list; the run authenticates and checks once, deploys everywhere at
    // once; one region failing fails the step but neither cancels nor hides the others.
    const single = await runDeploy(emulator, { service: uniqueName('one'), image: V1 })
    expect(single.exitCode).toBe(0)
    const once = authAndChecks(emulator.requestLog)

    emulator.clearLog()
    // A refusal in europe-west1 only (test text, as an organisation's resource-location policy would
    // refuse it); the emulator answers before anything is created there.
    const refusal =
      'Location europe-west1 is not allowed by the constraint constraints/gcp.resourceLocations.'
    emulator.addFault({
      route: 'run.services.create',
      pathIncludes: '/locations/europe-west1/',
      kind: 'status',
      status: 400,
      message: refusal
    })
    const id = uniqueName('multi')
    const run = await runDeploy(emulator, { service: id, image: V1, region: REGIONS.join(',') })

    expect(run.exitCode).toBe(1)
    const deployed = ['asia-northeast1', 'us-central1']
    for (const region of deployed) {
      const name = `projects/${TARGET_PROJECT}/locations/${region}/services/${id}`
      expect(emulator.cloudRun.getService(name)?.terminalCondition?.state).toBe(
        'CONDITION_SUCCEEDED'
      )
    }
    expect(
      emulator.cloudRun.getService(
        `projects/${TARGET_PROJECT}/locations/europe-west1/services/${id}`
      )
    ).toBeUndefined()
    expect(calls(emulator, 'run.services.create')).toHaveLength(3)

    // Outputs: url is the first region's, urls maps the regions that have one.
    expect(run.outputs.url).toBe(urlIn(id, 'asia-northeast1'))
    expect(JSON.parse(run.outputs.urls ?? '')).toStrictEqual({
      'asia-northeast1': urlIn(id, 'asia-northeast1'),
      'us-central1': urlIn(id, 'us-central1')
    })
    expect(run.outputs.outcome).toBe('failed')
    // One summary row per region, the failing one with its reason.
    for (const region of deployed) {
      expect(run.summary).toContain(`| \`${region}\` | ✅ deployed | ${urlIn(id, region)} |`)
    }
    expect(run.summary).toMatch(/\| `europe-west1` \| ❌ [^|]+ \| — \|/)
    expect(run.summary).toContain(`**europe-west1**: `)
    expect(run.summary).toContain(refusal)
    const failure = failureMessage(run)
    expect(failure).toContain(
      'The deploy failed in europe-west1 and succeeded in asia-northeast1, us-central1'
    )
    expect(failure).toContain(refusal)
    expectNoStackTrace(run)

    // The same authentication and checks as the one-region run: once, not once per region.
    const thrice = authAndChecks(emulator.requestLog)
    expect(thrice).toStrictEqual(once)
    for (const token of ['github.oidc.token', 'sts.token', 'iamcredentials.generateAccessToken']) {
      expect(thrice.filter(name => name === token)).toEqual([token])
    }
    for (const check of [
      'cloudresourcemanager.projects.testIamPermissions',
      'iam.serviceAccounts.testIamPermissions',
      'artifactregistry.repositories.testIamPermissions',
      'artifactregistry.tags.get'
    ]) {
      expect(thrice.filter(name => name === check)).toEqual([check])
    }
  })
})

describe('env_vars', () => {
  test("deploy-cloudrun's env_vars test vectors deploy as the values they stand for", async () => {
    // Requirement: env_vars accepts every form deploy-cloudrun's parser (actions-utils parseKVString)
    // accepts. Vectors, as data, from actions-utils tests/kv.test.ts (commit 24b9009: "comma-separated
    // value with many equals", "value with trailing equals", "escaped comma value", "trims", "multiline
    // trailing commas", "multiline escaped", "certificate") and deploy-cloudrun's integration workflow
    // (v3.0.1, .github/workflows/integration.yml: ZIP=zap\,with|separators\,and&stuff); keys renamed so
    // that each is one variable. Written as a workflow's `with:` block, parsed as the runner parses it.
    const step = YAML.parse(
      [
        'env_vars: |',
        '  FOO=bar=baz,ZIP=zap=flap==,ZINC=atom',
        '  PADDED=aGVsbG8gd29ybGQhCg==',
        '  SEPARATORS=zap\\,with|separators\\,and&stuff',
        '  ESCAPED=bar\\,baz,AFTER=zap',
        '    TRIMMED= bar , ALSO_TRIMMED= zap  ',
        '  FIRST=bar,',
        '  SECOND=zap,',
        '  CONTINUED=bar\\',
        '  baz',
        '  CERT=-----BEGIN PRIVATE KEY-----\\',
        '  MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDRJRbmz9Qi7or8\\',
        '  -----END PRIVATE KEY-----'
      ].join('\n')
    ) as { env_vars: string }
    const id = uniqueName('env')
    const run = await runDeploy(emulator, { service: id, image: V1, env_vars: step.env_vars })

    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(containerOf(emulator.cloudRun.getService(serviceName(id)))?.env).toStrictEqual([
      { name: 'FOO', value: 'bar=baz' },
      { name: 'ZIP', value: 'zap=flap==' },
      { name: 'ZINC', value: 'atom' },
      { name: 'PADDED', value: 'aGVsbG8gd29ybGQhCg==' },
      { name: 'SEPARATORS', value: 'zap,with|separators,and&stuff' },
      { name: 'ESCAPED', value: 'bar,baz' },
      { name: 'AFTER', value: 'zap' },
      { name: 'TRIMMED', value: 'bar' },
      { name: 'ALSO_TRIMMED', value: 'zap' },
      { name: 'FIRST', value: 'bar' },
      { name: 'SECOND', value: 'zap' },
      { name: 'CONTINUED', value: 'bar\nbaz' },
      {
        name: 'CERT',
        value:
          '-----BEGIN PRIVATE KEY-----\n' +
          'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDRJRbmz9Qi7or8\n' +
          '-----END PRIVATE KEY-----'
      }
    ])
  })
})
