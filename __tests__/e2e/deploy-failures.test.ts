/**
 * Deploys that fail, end to end. The seed's failure (the service agent cannot pull an image from another
 * project) is read back into the same finding a pre-deploy check reports, wherever Cloud Run puts it;
 * after a grant it is waited out while IAM propagates, within iam_propagation_timeout; every other
 * failure is reported in Cloud Run's own words and reason, never as a stack trace.
 */
import type { run_v2 } from 'googleapis/build/src/apis/run/v2.js'
import { variant, withBinding, withoutBinding } from '../../emulator/scenarios/helpers.js'
import {
  DEPLOYER,
  IMAGE,
  REPOSITORY,
  REPOSITORY_PRINCIPALS,
  SERVICE_AGENT,
  SERVICE_AGENT_EMAIL,
  seedGranted
} from '../../emulator/scenarios/seed.js'
import type { Emulator } from '../../emulator/server.js'
import { startTestEmulator } from '../harness/emulator.js'
import { uniqueName, type ActionRun } from '../harness/runAction.js'
import {
  calls,
  errors,
  expectNoStackTrace,
  failureMessage,
  jobName,
  missingPermissions,
  runDeploy,
  serviceName,
  serviceUrl
} from './deploy-support.js'

type Service = run_v2.Schema$GoogleCloudRunV2Service

const V1 = `${IMAGE}:v1`
const LATEST = `${IMAGE}:latest`
const READ = 'artifactregistry.repositories.downloadArtifacts'
const FIX =
  'gcloud artifacts repositories add-iam-policy-binding myrepo --project=myproject-b ' +
  `--location=asia-northeast1 --member=${SERVICE_AGENT} --role=roles/artifactregistry.reader`

const shortName = (name: string | null | undefined) => name?.split('/').pop()

/**
 * The seed's failure as a user must see it: an error annotation with the fix, a summary row and the
 * fix in the summary, the finding in missing_permissions, service_agent_access `missing`, and a
 * failure line that names the agent and the fix.
 */
function expectPullFinding(run: ActionRun, image: string) {
  expect(run.exitCode).toBe(1)
  const annotation = errors(run).find(a => a.properties.title === `Missing ${READ}`)
  expect(annotation?.message).toContain(`${SERVICE_AGENT} lacks ${READ} on ${REPOSITORY}.`)
  expect(annotation?.message).toContain(`Fix: ${FIX}`)
  expect(annotation?.message).toContain(
    'The image is in project myproject-b, the service in myproject-a.'
  )
  expect(run.outputs.service_agent_access).toBe('missing')
  expect(missingPermissions(run)).toEqual([
    expect.objectContaining({
      check: 'service-agent',
      source: 'deploy',
      principal: SERVICE_AGENT,
      permission: READ,
      resource: REPOSITORY,
      status: 'missing',
      fix: expect.objectContaining({ gcloud: FIX }) as unknown
    })
  ])
  expect(run.summary).toContain(
    `| ❌ missing | \`${SERVICE_AGENT}\` | \`${READ}\` | \`${REPOSITORY}\` | Cloud Run's service agent could not pull ${image}.`
  )
  expect(run.summary).toContain('### How to fix')
  expect(run.summary).toContain(FIX)
  const failure = failureMessage(run)
  expect(failure).toContain(`Cloud Run's service agent ${SERVICE_AGENT_EMAIL} cannot pull ${image}`)
  expect(failure).toContain(FIX)
  expectNoStackTrace(run)
}

describe('the seed failure, without the pre-deploy check (service_agent_access: skip)', () => {
  let emulator: Emulator
  beforeAll(async () => {
    emulator = await startTestEmulator('seed', { operationDelayMs: 200 })
  })
  afterAll(() => emulator.close())
  beforeEach(() => {
    emulator.clearLog()
    emulator.clearFaults()
    emulator.setOptions({ operationDelayMs: 200 })
  })

  test('from the operation error: a service', async () => {
    const id = uniqueName('svc')
    const run = await runDeploy(emulator, { service: id, image: V1, service_agent_access: 'skip' })

    expectPullFinding(run, V1)
    expect(failureMessage(run)).toContain('(CONTAINER_PERMISSION_DENIED)')
    const service = emulator.cloudRun.getService(serviceName(id))
    expect(service?.terminalCondition).toMatchObject({
      state: 'CONDITION_FAILED',
      reason: 'CONTAINER_PERMISSION_DENIED'
    })
    // The failed revision is the one to look at; nothing serves, so there is no URL to give.
    expect(run.outputs.revision).toBe(shortName(service?.latestCreatedRevision))
    expect(run.outputs.url).toBe('')
    const [operation] = emulator.cloudRun
      .listOperations()
      .filter(o => (o.metadata as Service | undefined)?.name === serviceName(id))
    expect(operation?.error?.message).toContain('must have permission to read the image')
  })

  test('from the terminal condition, when the operation is lost', async () => {
    // The create goes through but its answer is cut off: the action finds the service on a re-read and,
    // with no operation to follow, waits on the service itself. The rollout outlasts the re-read, so
    // the service is still reconciling when the action first sees it.
    emulator.setOptions({ operationDelayMs: 3000 })
    emulator.addFault({ route: 'run.services.create', kind: 'drop', times: 1 })
    const id = uniqueName('svc')
    const run = await runDeploy(emulator, { service: id, image: V1, service_agent_access: 'skip' })

    expectPullFinding(run, V1)
    expect(calls(emulator, 'run.services.create')).toHaveLength(1)
    expect(calls(emulator, 'run.operations.wait')).toHaveLength(0)
    expect(emulator.cloudRun.getService(serviceName(id))?.terminalCondition?.reason).toBe(
      'CONTAINER_PERMISSION_DENIED'
    )
  })

  test('a job: the operation fails with code 13 and the same finding', async () => {
    const id = uniqueName('job')
    const run = await runDeploy(emulator, { job: id, image: V1, service_agent_access: 'skip' })

    expectPullFinding(run, V1)
    const [operation] = emulator.cloudRun
      .listOperations()
      .filter(o => (o.metadata as { name?: string } | undefined)?.name === jobName(id))
    // Terraform prints this as "Error code 13, message: Google Cloud Run Service Agent ...".
    expect(operation?.error?.code).toBe(13)
    expect(emulator.cloudRun.getJob(jobName(id))?.terminalCondition?.reason).toBe(
      'CONTAINER_PERMISSION_DENIED'
    )
    expect(calls(emulator, 'run.jobs.run')).toHaveLength(0)
  })
})

describe('after a grant, IAM propagation', () => {
  let emulator: Emulator | undefined
  afterEach(() => emulator?.close())

  test('a failed pull right after the grant is waited out and redeployed', async () => {
    emulator = await startTestEmulator('demo', { operationDelayMs: 200, propagationDelayMs: 4000 })
    const id = uniqueName('svc')
    const run = await runDeploy(emulator, {
      service: id,
      image: V1,
      service_agent_access: 'grant',
      iam_propagation_timeout: '30s'
    })

    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('Waiting for IAM to propagate')
    expect(emulator.requestLog.filter(r => r.name.endsWith('.setIamPolicy'))).toHaveLength(1)
    expect(run.outputs.service_agent_access).toBe('granted')
    expect(JSON.parse(run.outputs.missing_permissions ?? '')).toEqual([])
    // The first revision failed to pull; a redeploy made another, which is ready and serves.
    const service = emulator.cloudRun.getService(serviceName(id))
    expect(service?.terminalCondition?.state).toBe('CONDITION_SUCCEEDED')
    const revisions = emulator.cloudRun.listRevisions(serviceName(id))
    expect(revisions.length).toBeGreaterThanOrEqual(2)
    expect(revisions[0]?.conditions?.[0]?.reason).toBe('CONTAINER_PERMISSION_DENIED')
    expect(service?.latestReadyRevision).toBe(revisions.at(-1)?.name)
    expect(run.outputs).toMatchObject({
      url: serviceUrl(id),
      revision: shortName(service?.latestReadyRevision)
    })
    expect(calls(emulator, 'run.services.create')).toHaveLength(1)
    expect(calls(emulator, 'run.services.patch').length).toBeGreaterThanOrEqual(1)
  })

  test('a propagation that outlasts iam_propagation_timeout fails with the last error', async () => {
    emulator = await startTestEmulator('demo', {
      operationDelayMs: 200,
      propagationDelayMs: 60_000
    })
    const id = uniqueName('svc')
    const run = await runDeploy(
      emulator,
      { service: id, image: V1, service_agent_access: 'grant', iam_propagation_timeout: '3s' },
      { killAfterMs: 30_000 }
    )

    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('Waiting for IAM to propagate')
    const failure = failureMessage(run)
    expect(failure).toContain('IAM did not propagate within iam_propagation_timeout (3s)')
    expect(failure).toContain(
      `Last error: Cloud Run's service agent ${SERVICE_AGENT_EMAIL} cannot pull ${V1}`
    )
    expect(failure).toContain(FIX)
    expect(emulator.requestLog.filter(r => r.name.endsWith('.setIamPolicy'))).toHaveLength(1)
    // It tried again, and then stopped: a bounded number of deploys, not a loop.
    const deploys = [
      ...calls(emulator, 'run.services.create'),
      ...calls(emulator, 'run.services.patch')
    ]
    expect(deploys.length).toBeGreaterThanOrEqual(2)
    expect(deploys.length).toBeLessThanOrEqual(3)
    expect(run.outputs.service_agent_access).toBe('missing')
    expectNoStackTrace(run)
  })
})

describe('other failures', () => {
  const STEADY: Service = {
    name: serviceName('steady'),
    template: { containers: [{ image: LATEST, env: [{ name: 'A', value: '1' }] }] }
  }
  const RACE: Service = {
    name: serviceName('race'),
    labels: { team: 'payments' },
    template: { containers: [{ image: LATEST }] }
  }
  let emulator: Emulator
  beforeAll(async () => {
    emulator = await startTestEmulator(
      variant(seedGranted, 'failures', 'seed-granted with services', s => ({
        ...s,
        services: [STEADY, RACE]
      })),
      { operationDelayMs: 200 }
    )
  })
  afterAll(() => emulator.close())
  beforeEach(() => emulator.clearLog())

  test('a concurrent change between read and write is detected, not overwritten', async () => {
    // Someone changes the service in the Console after the action read it and before it writes.
    emulator.cloudRun.changeBeforeNextPatch(RACE.name ?? '', resource => {
      const service = resource as Service
      service.labels = { ...service.labels, owner: 'console' }
      const container = service.template?.containers?.[0]
      if (container) container.env = [{ name: 'SET_IN_CONSOLE', value: '1' }]
    })
    const run = await runDeploy(emulator, { service: 'race', image: V1 })

    expect(run.exitCode).toBe(1)
    expect(failureMessage(run)).toMatch(
      /^projects\/myproject-a\/locations\/asia-northeast1\/services\/race was changed by someone else .*nothing was overwritten/
    )
    const service = emulator.cloudRun.getService(RACE.name ?? '')
    expect(service?.labels).toStrictEqual({ team: 'payments', owner: 'console' })
    expect(service?.template?.containers?.[0]).toStrictEqual({
      image: LATEST,
      env: [{ name: 'SET_IN_CONSOLE', value: '1' }]
    })
    // One write, refused (ABORTED), and not retried blindly.
    const patches = calls(emulator, 'run.services.patch')
    expect(patches.map(p => p.status)).toEqual([409])
    expectNoStackTrace(run)
  })

  test('a PATCH whose answer is lost after it applied is not resent, nor mistaken for a concurrent change', async () => {
    // The connection drops after the emulator applied the update (a `drop` fault cuts the response).
    emulator.addFault({ route: 'run.services.patch', kind: 'drop', times: 1 })
    const run = await runDeploy(emulator, { service: 'steady', image: V1 })

    expect(run.exitCode).toBe(0)
    expect(failureMessage(run)).toBe('')
    expect(calls(emulator, 'run.services.patch')).toHaveLength(1)
    const service = emulator.cloudRun.getService(STEADY.name ?? '')
    expect(service?.template?.containers?.[0]?.image).toBe(V1)
    expect(service?.terminalCondition?.state).toBe('CONDITION_SUCCEEDED')
    expectNoStackTrace(run)
  })

  test('a container that fails to start: Cloud Run’s message and reason; the old revision serves on', async () => {
    const before = emulator.cloudRun.getService(STEADY.name ?? '')
    // EMULATOR_FAIL=start: the emulator's marker for a container that never listens on its port.
    const run = await runDeploy(emulator, {
      service: 'steady',
      image: V1,
      env_vars: 'EMULATOR_FAIL=start'
    })

    expect(run.exitCode).toBe(1)
    const after = emulator.cloudRun.getService(STEADY.name ?? '')
    const failed = shortName(after?.latestCreatedRevision)
    expect(failed).not.toBe(shortName(before?.latestCreatedRevision))
    const failure = failureMessage(run)
    expect(failure).toContain(
      `The deploy of ${STEADY.name ?? ''} failed (HEALTH_CHECK_CONTAINER_ERROR)`
    )
    expect(failure).toContain(
      `Revision '${failed ?? ''}' is not ready and cannot serve traffic. The user-provided container ` +
        'failed to start and listen on the port defined provided by the PORT=8080 environment variable'
    )
    expect(run.outputs.revision).toBe(failed)
    expect(after?.latestReadyRevision).toBe(before?.latestReadyRevision)
    expect(after?.trafficStatuses).toStrictEqual(before?.trafficStatuses)
    // Not a permission problem: no finding, no fix.
    expect(missingPermissions(run)).toEqual([])
    expect(errors(run)).toHaveLength(1)
    expectNoStackTrace(run)
  })

  test('a tag that does not exist is stopped by the pre-deploy image check', async () => {
    const id = uniqueName('svc')
    const run = await runDeploy(emulator, { service: id, image: `${IMAGE}:nope` })

    expect(run.exitCode).toBe(1)
    const annotation = errors(run).find(a => a.properties.title === 'Image not found')
    expect(annotation?.message).toContain('tag nope of myjob does not exist in')
    expect(annotation?.message).toContain('CONTAINER_MISSING')
    expect(calls(emulator, 'run.services.create')).toHaveLength(0)
    expect(emulator.cloudRun.getService(serviceName(id))).toBeUndefined()
    expectNoStackTrace(run)
  })
})

describe('a missing image the checks cannot see', () => {
  // A least-privilege deployer: a custom role that may pull from myrepo but not read its tags through
  // the API, so the image check can only say "unknown", and Cloud Run finds the image missing.
  const PULLER = 'projects/myproject-b/roles/imagePuller'
  const scenario = variant(
    {
      ...seedGranted,
      customRoles: [
        {
          name: PULLER,
          title: 'Image puller',
          stage: 'GA',
          includedPermissions: [READ]
        }
      ]
    },
    'puller-only',
    'seed-granted with a deployer that can pull but not list tags',
    s => withoutBinding(s, REPOSITORY, 'roles/artifactregistry.reader', DEPLOYER),
    s => withoutBinding(s, REPOSITORY, 'roles/artifactregistry.reader', REPOSITORY_PRINCIPALS),
    s => withBinding(s, REPOSITORY, PULLER, DEPLOYER)
  )
  let emulator: Emulator
  beforeAll(async () => {
    emulator = await startTestEmulator(scenario, { operationDelayMs: 200 })
  })
  afterAll(() => emulator.close())

  test('CONTAINER_MISSING, in Cloud Run’s words', async () => {
    const id = uniqueName('svc')
    const image = `${IMAGE}:nope`
    const run = await runDeploy(emulator, { service: id, image, service_agent_access: 'skip' })

    expect(run.exitCode).toBe(1)
    expect(run.annotations).toContainEqual(
      expect.objectContaining({
        command: 'warning',
        properties: expect.objectContaining({ title: 'Image not verified' }) as unknown
      })
    )
    const failure = failureMessage(run)
    expect(failure).toContain(`The deploy of ${serviceName(id)} failed (CONTAINER_MISSING)`)
    expect(failure).toContain(`Image '${image}' not found.`)
    expect(missingPermissions(run)).toEqual([])
    expect(emulator.cloudRun.getService(serviceName(id))?.terminalCondition?.reason).toBe(
      'CONTAINER_MISSING'
    )
    expectNoStackTrace(run)
  })
})
