/**
 * fetchFailureLogs against the emulator, in-process: the lines a failing service, worker pool or job
 * leaves, read back as the action will read them (the run's OAuth2Client over the action's transport,
 * the endpoint resolved from the override variable), waiting for their ingestion, newest 20 oldest
 * first, and every failure — above all the deployer's denial — returned as a value.
 *
 * The action's clock (src/clock.ts) is read from the environment when that module is first loaded, so
 * the variable is set before anything that imports it: the test then runs on a clock 20 times as fast
 * as the wall clock, as the end-to-end tests do, and its waits cost a twentieth of their time. Only
 * durations cross between the two clocks; absolute times (`since`) come from the emulator's.
 */
import { afterAll, afterEach, describe, expect, test } from '@jest/globals'
import type { OAuth2Client } from 'google-auth-library'
import type { Emulator } from '../../emulator/server.js'
import type { LogEntry } from '../../emulator/logging.js'
import type { FailedWorkload } from '../../src/deploy/logs.js'

const TIME_SCALE = 0.05
const CLOCK_VARIABLE = 'CLOUD_RUN_DEPLOY_TEST_CLOCK'
const savedClock = process.env[CLOCK_VARIABLE]
process.env[CLOCK_VARIABLE] = `${TIME_SCALE}@${Date.now()}`

const { clock, TEST_CLOCK_VARIABLE } = await import('../../src/clock.js')
const { resolveEndpoints } = await import('../../src/endpoints.js')
const { createTransporter, loadAuthLibrary } = await import('../../src/google/transport.js')
const { DEFAULT_INGESTION_WAIT_MS, MAX_LINES, POLL_INTERVAL_MS, fetchFailureLogs, logsConsoleUrl } =
  await import('../../src/deploy/logs.js')
const { startEmulator } = await import('../../emulator/server.js')
const { binding } = await import('../../emulator/scenarios/helpers.js')
const { DEPLOYER, REGION, TARGET_PROJECT, seed } = await import('../../emulator/scenarios/seed.js')

afterAll(() => {
  if (savedClock === undefined) delete process.env[CLOCK_VARIABLE]
  else process.env[CLOCK_VARIABLE] = savedClock
})

const VIEWER = 'user:viewer@example.com'
const APP_IMAGE = `${REGION}-docker.pkg.dev/${TARGET_PROJECT}/app/api:v1`
const PARENT = `projects/${TARGET_PROJECT}/locations/${REGION}`
const DENIED = {
  unavailable: 'the deployer may not read logs (logging.logEntries.list)',
  role: 'roles/logging.viewer'
}

/** The seed, plus a member who may read logs (the deployer holds run.developer, which reads none). */
const scenario = {
  ...seed,
  name: 'logs-client',
  projects: seed.projects.map(p =>
    p.projectId === TARGET_PROJECT
      ? {
          ...p,
          policy: {
            ...p.policy,
            bindings: [...(p.policy?.bindings ?? []), binding('roles/logging.viewer', VIEWER)]
          }
        }
      : p
  )
}

let emulator: Emulator | undefined
afterEach(async () => {
  await emulator?.close()
  emulator = undefined
})

async function start(logIngestionDelayMs = 0): Promise<Emulator> {
  emulator = await startEmulator(scenario, { timeScale: TIME_SCALE, logIngestionDelayMs })
  return emulator
}

/** An OAuth2Client as src/auth.ts builds it: the action's transport, an access token for `member`. */
async function clientFor(em: Emulator, member: string): Promise<OAuth2Client> {
  const lib = await loadAuthLibrary()
  const client = new lib.OAuth2Client({ transporter: createTransporter(lib) })
  client.setCredentials({ access_token: em.issueAccessToken(member) })
  return client
}

const endpointOf = (em: Emulator) => resolveEndpoints('googleapis.com', em.env).LOGGING

/** A Cloud Run call as the deployer (setting up the failure is not what is under test). */
async function run(em: Emulator, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(new URL(`v2/${path}`, em.url), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${em.issueAccessToken(DEPLOYER)}`
    },
    body: JSON.stringify(body)
  })
  expect(response.status).toBe(200)
  return (await response.json()) as Record<string, unknown>
}

const failing = (fail: 'start' | 'task', printed: string) => ({
  image: APP_IMAGE,
  env: [
    { name: 'EMULATOR_FAIL', value: fail },
    { name: 'EMULATOR_LOG', value: printed }
  ]
})

const listRequests = (em: Emulator) =>
  em.requestLog.filter(r => r.name === 'logging.entries.list').map(r => r.status)

const since = (em: Emulator) => new Date(em.now()).toISOString()

/** Entries of one service revision, `count` of them a second apart from `at` (emulator ms). */
function revisionEntries(revision: string, count: number, at: number, from = 1): LogEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    logName: `projects/${TARGET_PROJECT}/logs/run.googleapis.com%2Fstdout`,
    resource: {
      type: 'cloud_run_revision',
      labels: { service_name: 'api', revision_name: revision, location: REGION }
    },
    textPayload: `line ${from + i}`,
    timestamp: new Date(at + i * 1000).toISOString()
  }))
}

const API: FailedWorkload = {
  kind: 'service',
  project: TARGET_PROJECT,
  region: REGION,
  service: 'api',
  revision: 'api-00001-abc'
}

test('the action runs on the fast clock (the setup every other test relies on)', async () => {
  expect(TEST_CLOCK_VARIABLE).toBe(CLOCK_VARIABLE)
  const [before, wallBefore] = [clock.now(), performance.now()]
  await clock.sleep(1000)
  // Timers may fire a millisecond early, and each wall millisecond is 20 of the clock's.
  expect(clock.now() - before).toBeGreaterThanOrEqual(900)
  expect(performance.now() - wallBefore).toBeLessThan(500)
})

describe('the lines of a failed workload', () => {
  test('a service revision that did not start: waited for, oldest first', async () => {
    const em = await start(5000)
    const deployStart = since(em)
    const created = await run(em, `${PARENT}/services?serviceId=api`, {
      template: {
        containers: [failing('start', 'Error: DATABASE_URL is not set\n    at main.js:3')]
      }
    })
    const operation = await fetch(new URL(`v2/${String(created['name'])}`, em.url), {
      headers: { authorization: `Bearer ${em.issueAccessToken(DEPLOYER)}` }
    })
    expect(((await operation.json()) as { done?: boolean }).done).toBe(true)
    const revision = em.cloudRun.getService(`${PARENT}/services/api`)?.latestCreatedRevision ?? ''
    expect(revision).toMatch(/\/revisions\/api-/)

    const logs = await fetchFailureLogs(
      await clientFor(em, VIEWER),
      endpointOf(em),
      { ...API, revision },
      { since: deployStart }
    )
    expect(logs).toEqual({
      lines: [
        expect.objectContaining({ severity: 'DEFAULT', text: 'Error: DATABASE_URL is not set' }),
        expect.objectContaining({ severity: 'DEFAULT', text: '    at main.js:3' }),
        expect.objectContaining({ severity: 'WARNING', text: 'Container called exit(1).' }),
        expect.objectContaining({
          severity: 'ERROR',
          text: 'Default STARTUP TCP probe failed 1 time consecutively for container "api-1" on port 8080. The instance was not started.'
        })
      ],
      consoleUrl: logsConsoleUrl({ ...API, revision }, deployStart)
    })
    if (!('lines' in logs)) throw new Error('no lines')
    const times = logs.lines.map(l => Date.parse(l.timestamp))
    expect(times).toEqual([...times].sort((a, b) => a - b))
    // Ingestion takes 5 s: polled until they were there (how many polls depends on the machine's
    // speed, which the next test takes out of the picture), and no longer.
    const polls = listRequests(em)
    expect(polls.length).toBeLessThanOrEqual(DEFAULT_INGESTION_WAIT_MS / POLL_INTERVAL_MS + 1)
    expect(polls.every(status => status === 200)).toBe(true)
  })

  test('lines not there yet: asked again a poll interval later, and no more once they are', async () => {
    const em = await start()
    const client = await clientFor(em, VIEWER)
    // The first answer is held until the lines are written: it finds nothing, whatever the timing.
    const hold = em.holdResponse('logging.entries.list')
    void hold.arrived.then(() => {
      em.logging.write(revisionEntries('api-00001-abc', 3, em.now()))
      hold.release()
    })
    const started = clock.now()
    const logs = await fetchFailureLogs(client, endpointOf(em), API)
    expect('lines' in logs && logs.lines.map(l => l.text)).toEqual(['line 1', 'line 2', 'line 3'])
    expect(listRequests(em)).toEqual([200, 200])
    // Timers may fire a millisecond early, and each wall millisecond is 20 of the clock's.
    expect(clock.now() - started).toBeGreaterThanOrEqual(POLL_INTERVAL_MS - 100)
  })

  test('a worker pool revision', async () => {
    const em = await start()
    await run(em, `${PARENT}/workerPools?workerPoolId=pool`, {
      template: { containers: [failing('start', 'panic: no queue')] }
    })
    const revision = em.cloudRun.getWorkerPool(`${PARENT}/workerPools/pool`)?.latestCreatedRevision
    expect(revision).toBeDefined()
    const logs = await fetchFailureLogs(await clientFor(em, VIEWER), endpointOf(em), {
      kind: 'workerPool',
      project: TARGET_PROJECT,
      region: REGION,
      workerPool: 'pool',
      revision: revision ?? ''
    })
    expect('lines' in logs && logs.lines.map(l => l.text)).toEqual([
      'panic: no queue',
      'Container called exit(1).'
    ])
  })

  test("a job execution: its tasks' lines, not another execution's", async () => {
    const em = await start()
    await run(em, `${PARENT}/jobs?jobId=batch`, {
      template: { taskCount: 2, template: { containers: [failing('task', 'migration failed')] } }
    })
    const execute = async () => {
      const operation = await run(em, `${PARENT}/jobs/batch:run`, {})
      return String((operation['metadata'] as { name: string }).name)
    }
    const first = await execute()
    const second = await execute()
    expect(second).not.toBe(first)
    const job = (execution: string): FailedWorkload => ({
      kind: 'job',
      project: TARGET_PROJECT,
      region: REGION,
      job: 'batch',
      execution
    })
    const client = await clientFor(em, VIEWER)
    for (const execution of [first, second]) {
      const logs = await fetchFailureLogs(client, endpointOf(em), job(execution))
      expect('lines' in logs && logs.lines.map(l => l.text)).toEqual([
        'migration failed',
        'Container called exit(1).',
        'migration failed',
        'Container called exit(1).'
      ])
    }
    const entries = em.logging.allEntries()
    expect(entries).toHaveLength(8)
  })

  test(`at most ${MAX_LINES}, the newest, oldest first; nothing from before the deploy`, async () => {
    const em = await start()
    const now = em.now()
    em.logging.write([
      // An earlier run's lines under the same names.
      ...revisionEntries('api-00001-abc', 5, now - 3_600_000, 101),
      ...revisionEntries('api-00001-abc', 25, now + 1000),
      // Another revision, another region.
      ...revisionEntries('api-00002-xyz', 3, now + 1000, 201),
      ...revisionEntries('api-00001-abc', 2, now + 1000, 301).map(e => ({
        ...e,
        resource: { ...e.resource, labels: { ...e.resource?.labels, location: 'us-central1' } }
      }))
    ])
    const logs = await fetchFailureLogs(await clientFor(em, VIEWER), endpointOf(em), API, {
      since: since(em)
    })
    expect('lines' in logs && logs.lines.map(l => l.text)).toEqual(
      Array.from({ length: MAX_LINES }, (_, i) => `line ${6 + i}`)
    )
    expect(listRequests(em)).toEqual([200])
  })
})

describe('no lines, and why', () => {
  test('the deployer may not read logs: the role that would let it, at the first answer', async () => {
    const em = await start()
    em.logging.write(revisionEntries('api-00001-abc', 3, em.now()))
    const logs = await fetchFailureLogs(await clientFor(em, DEPLOYER), endpointOf(em), API)
    expect(logs).toEqual({ ...DENIED, consoleUrl: logsConsoleUrl(API) })
    expect(listRequests(em)).toEqual([403])
  })

  test("real Logging's wording of the denial, which names no permission", async () => {
    const em = await start()
    em.addFault({
      route: 'logging.entries.list',
      kind: 'status',
      status: 403,
      message: 'Permission denied for all log views'
    })
    const logs = await fetchFailureLogs(await clientFor(em, VIEWER), endpointOf(em), API)
    expect(logs).toEqual({ ...DENIED, consoleUrl: logsConsoleUrl(API) })
  })

  test('the Logging API disabled is no denial: its own message, no role', async () => {
    const em = await start()
    const disabled =
      'Cloud Logging API has not been used in project 111111111111 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/logging.googleapis.com/overview?project=111111111111 then retry.'
    em.addFault({ route: 'logging.entries.list', kind: 'status', status: 403, message: disabled })
    const logs = await fetchFailureLogs(await clientFor(em, VIEWER), endpointOf(em), API)
    expect(logs).toEqual({
      unavailable: `logging.entries.list failed: PERMISSION_DENIED: ${disabled}`,
      consoleUrl: logsConsoleUrl(API)
    })
  })

  test('transient failures are retried by the one retry policy', async () => {
    const em = await start()
    em.logging.write(revisionEntries('api-00001-abc', 2, em.now()))
    em.addFault({ route: 'logging.entries.list', kind: 'status', status: 503, times: 2 })
    const logs = await fetchFailureLogs(await clientFor(em, VIEWER), endpointOf(em), API)
    expect('lines' in logs && logs.lines.map(l => l.text)).toEqual(['line 1', 'line 2'])
    expect(listRequests(em)).toEqual([503, 503, 200])
  })

  test('a lasting failure is a value, not a throw, and ends within the wait', async () => {
    const em = await start()
    em.addFault({ route: 'logging.entries.list', kind: 'status', status: 500 })
    const started = clock.now()
    const logs = await fetchFailureLogs(await clientFor(em, VIEWER), endpointOf(em), API)
    expect(logs).toEqual({
      unavailable: 'logging.entries.list failed: INTERNAL: Internal error encountered.',
      consoleUrl: logsConsoleUrl(API)
    })
    expect(listRequests(em).length).toBeGreaterThan(1)
    expect(clock.now() - started).toBeLessThan(DEFAULT_INGESTION_WAIT_MS + POLL_INTERVAL_MS)
  })

  test('nothing arrives: a few polls over the wait, then no longer', async () => {
    const em = await start()
    const started = clock.now()
    const logs = await fetchFailureLogs(await clientFor(em, VIEWER), endpointOf(em), API, {
      waitForIngestionMs: 6000
    })
    const elapsed = clock.now() - started
    expect(logs).toEqual({
      unavailable: 'no log entries arrived within 6 s; they may still be on their way',
      consoleUrl: logsConsoleUrl(API)
    })
    const polls = listRequests(em)
    expect(polls.length).toBeGreaterThanOrEqual(2)
    expect(polls.length).toBeLessThanOrEqual(Math.ceil(6000 / POLL_INTERVAL_MS) + 1)
    expect(elapsed).toBeGreaterThanOrEqual(6000)
    // The last poll starts at the deadline; another interval would mean one poll too many.
    expect(elapsed).toBeLessThan(6000 + 2 * POLL_INTERVAL_MS)
  })

  test('no wait: one request', async () => {
    const em = await start()
    const logs = await fetchFailureLogs(await clientFor(em, VIEWER), endpointOf(em), API, {
      waitForIngestionMs: 0
    })
    expect(logs).toMatchObject({ unavailable: expect.stringMatching(/^no log entries arrived/) })
    expect(listRequests(em)).toEqual([200])
  })

  test('a start time that is no time: said so, nothing sent', async () => {
    const em = await start()
    const logs = await fetchFailureLogs(await clientFor(em, VIEWER), endpointOf(em), API, {
      since: 'soon'
    })
    expect(logs).toEqual({
      unavailable: `the deploy's start time is not a timestamp: "soon"`,
      consoleUrl: logsConsoleUrl(API)
    })
    expect(listRequests(em)).toEqual([])
  })
})
