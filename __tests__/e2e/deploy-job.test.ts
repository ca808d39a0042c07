/**
 * Deploying Cloud Run jobs (and running them) and worker pools end to end, with the service agent
 * allowed to pull (seed-granted): the same create-or-update and merge rules as services.
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
  jobName,
  runDeploy,
  withoutDeployState,
  workerPoolName
} from './deploy-support.js'

type Job = run_v2.Schema$GoogleCloudRunV2Job
type WorkerPool = run_v2.Schema$GoogleCloudRunV2WorkerPool

const V1 = `${IMAGE}:v1`
const LATEST = `${IMAGE}:latest`

const NIGHTLY: Job = {
  name: jobName('nightly'),
  labels: { team: 'batch' },
  annotations: { 'example.com/owner': 'data' },
  launchStage: 'GA',
  template: {
    labels: { run: 'nightly' },
    taskCount: 3,
    parallelism: 2,
    template: {
      serviceAccount: RUNTIME_EMAIL,
      maxRetries: 2,
      timeout: '600s',
      executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2',
      vpcAccess: { networkInterfaces: [{ network: 'default', subnetwork: 'jobs' }] },
      volumes: [{ name: 'scratch', emptyDir: { medium: 'MEMORY', sizeLimit: '1Gi' } }],
      containers: [
        {
          image: LATEST,
          command: ['/job'],
          args: ['--once'],
          env: [
            { name: 'BATCH_SIZE', value: '100' },
            { name: 'DB_URL', valueSource: { secretKeyRef: { secret: 'db-url', version: '1' } } }
          ],
          resources: { limits: { cpu: '4', memory: '4Gi' } },
          volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }]
        }
      ]
    }
  }
}

const CONSUMER: WorkerPool = {
  name: workerPoolName('consumer'),
  labels: { team: 'queue' },
  annotations: { 'example.com/owner': 'ops' },
  scaling: { manualInstanceCount: 3 },
  template: {
    revision: 'consumer-00001-cur',
    serviceAccount: RUNTIME_EMAIL,
    labels: { role: 'consumer' },
    vpcAccess: { networkInterfaces: [{ network: 'default' }], egress: 'ALL_TRAFFIC' },
    containers: [
      {
        name: 'worker',
        image: LATEST,
        args: ['--subscription', 'orders'],
        env: [{ name: 'QUEUE', value: 'orders' }],
        resources: { limits: { cpu: '1', memory: '512Mi' } }
      }
    ]
  }
}

const scenario = variant(
  seedGranted,
  'deploy-job',
  'seed-granted with a job and a worker pool',
  s => ({
    ...s,
    jobs: [NIGHTLY],
    workerPools: [CONSUMER]
  })
)

let emulator: Emulator

beforeAll(async () => {
  emulator = await startTestEmulator(scenario, { operationDelayMs: 200 })
})
afterAll(() => emulator.close())
beforeEach(() => emulator.clearLog())

const taskContainer = (job: Job | undefined) => job?.template?.template?.containers?.[0]
const shortName = (name: string | null | undefined) => name?.split('/').pop()

describe('jobs', () => {
  test('create: the job exists with the image and is ready; no url or revision', async () => {
    const id = uniqueName('job')
    const run = await runDeploy(emulator, { job: id, image: V1 })

    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    const job = emulator.cloudRun.getJob(jobName(id))
    expect(taskContainer(job)?.image).toBe(V1)
    expect(job?.terminalCondition?.state).toBe('CONDITION_SUCCEEDED')
    expect(run.outputs).toMatchObject({
      url: '',
      revision: '',
      execution: '',
      image_digest: IMAGE_DIGESTS.v1
    })
    expect(calls(emulator, 'run.jobs.create')).toHaveLength(1)
    // Deploying is not running.
    expect(calls(emulator, 'run.jobs.run')).toHaveLength(0)
    expect(emulator.cloudRun.listExecutions(jobName(id))).toEqual([])
  })

  test('update: the image and the env var change; everything else is kept byte for byte', async () => {
    const before = emulator.cloudRun.getJob(NIGHTLY.name ?? '')
    const run = await runDeploy(emulator, { job: 'nightly', image: V1, env_vars: 'MODE=full' })

    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    const after = emulator.cloudRun.getJob(NIGHTLY.name ?? '')
    const expected = structuredClone(before) as Job
    const container = taskContainer(expected)
    if (container) {
      container.image = V1
      container.env = [...(container.env ?? []), { name: 'MODE', value: 'full' }]
    }
    // The default labels, on the job and on its execution template (as gcloud copies them).
    expected.labels = { ...expected.labels, ...DEFAULT_LABELS }
    if (expected.template) {
      expected.template.labels = { ...expected.template.labels, ...DEFAULT_LABELS }
    }
    expect(withoutDeployState(after)).toStrictEqual(withoutDeployState(expected))
    expect(after?.terminalCondition?.state).toBe('CONDITION_SUCCEEDED')
    // jobs.patch has no update mask (the emulator refuses one, as Cloud Run's front end does).
    const patches = calls(emulator, 'run.jobs.patch')
    expect(patches).toHaveLength(1)
    expect(patches[0]?.status).toBe(200)
  })

  test('execute: waits for the execution, reports its counts and outputs its name', async () => {
    const id = uniqueName('exec')
    emulator.cloudRun.putJob({ ...structuredClone(NIGHTLY), name: jobName(id) })
    const run = await runDeploy(emulator, { job: id, image: V1, execute: 'true' })

    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    const executions = emulator.cloudRun.listExecutions(jobName(id))
    expect(executions).toHaveLength(1)
    const execution = executions[0]
    expect(run.outputs.execution).toBe(execution?.name)
    expect(execution).toMatchObject({ succeededCount: 3, failedCount: 0, taskCount: 3 })
    expect(execution?.template?.containers?.[0]?.image).toBe(V1)
    const summary = `Execution ${shortName(execution?.name)}: 3 succeeded, 0 failed, 0 cancelled of 3 tasks.`
    expect(run.stdout).toContain(summary)
    expect(run.stdout).toContain(`Logs: ${execution?.logUri ?? 'missing'}`)
    expect(calls(emulator, 'run.jobs.run')).toHaveLength(1)
  })

  test('execute: a failed execution fails the step with the counts and Cloud Run’s message', async () => {
    const id = uniqueName('exec')
    emulator.cloudRun.putJob({ ...structuredClone(NIGHTLY), name: jobName(id) })
    // EMULATOR_FAIL=task: the emulator's marker for tasks whose container exits non-zero.
    const run = await runDeploy(emulator, {
      job: id,
      image: V1,
      execute: 'true',
      env_vars: 'EMULATOR_FAIL=task'
    })

    expect(run.exitCode).toBe(1)
    const [execution] = emulator.cloudRun.listExecutions(jobName(id))
    const short = shortName(execution?.name)
    expect(execution).toMatchObject({ succeededCount: 0, failedCount: 3 })
    const message = failureMessage(run)
    expect(message).toContain(
      `Execution ${short} failed (0 succeeded, 3 failed, 0 cancelled of 3 tasks)`
    )
    expect(message).toContain('NON_ZERO_EXIT_CODE')
    expect(message).toContain(
      `Task ${short}-task0 failed with message: The container exited with an error.`
    )
    expect(message).toContain(`Logs: ${execution?.logUri ?? 'missing'}`)
    // The failed execution is still the one to look up.
    expect(run.outputs.execution).toBe(execution?.name)
    // The deploy itself went through: the job carries the new image.
    expect(taskContainer(emulator.cloudRun.getJob(jobName(id)))?.image).toBe(V1)
    expectNoStackTrace(run)
  })
})

describe('worker pools', () => {
  test('create: the worker pool runs the image on a ready revision', async () => {
    const id = uniqueName('pool')
    const run = await runDeploy(emulator, { worker_pool: id, image: V1 })

    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    const pool = emulator.cloudRun.getWorkerPool(workerPoolName(id))
    expect(pool?.template?.containers?.[0]?.image).toBe(V1)
    expect(pool?.terminalCondition?.state).toBe('CONDITION_SUCCEEDED')
    expect(pool?.latestReadyRevision).toBe(pool?.latestCreatedRevision)
    expect(run.outputs).toMatchObject({ url: '', revision: shortName(pool?.latestCreatedRevision) })
    expect(calls(emulator, 'run.workerPools.create')).toHaveLength(1)
  })

  test('update: a new revision with the new image; scaling, splits and the rest are kept', async () => {
    const before = emulator.cloudRun.getWorkerPool(CONSUMER.name ?? '')
    const run = await runDeploy(emulator, { worker_pool: 'consumer', image: V1 })

    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    const after = emulator.cloudRun.getWorkerPool(CONSUMER.name ?? '')
    const expected = structuredClone(before) as WorkerPool
    const container = expected.template?.containers?.[0]
    if (container) container.image = V1
    // Every deploy names its revision and adds the default labels, on the pool and its template.
    if (expected.template) {
      expected.template.revision = run.outputs.revision
      expected.template.labels = { ...expected.template.labels, ...DEFAULT_LABELS }
    }
    expected.labels = { ...expected.labels, ...DEFAULT_LABELS }
    expect(withoutDeployState(after)).toStrictEqual(withoutDeployState(expected))
    expect(shortName(after?.latestCreatedRevision)).toMatch(/^consumer-00002-[a-z]{3}$/)
    expect(after?.latestReadyRevision).toBe(after?.latestCreatedRevision)
    expect(run.outputs.revision).toBe(shortName(after?.latestCreatedRevision))
    expect(calls(emulator, 'run.workerPools.patch')).toHaveLength(1)
  })
})
