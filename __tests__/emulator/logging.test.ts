/**
 * Cloud Logging in the emulator: the query-language subset and the entries a failing Cloud Run
 * container leaves (pure, table-driven), then entries.list over HTTP: permissions, ingestion delay,
 * ordering, paging and the 400s.
 */
import { afterEach, describe, expect, test } from '@jest/globals'
import {
  type ContainerFailure,
  containerFailureEntries,
  printedLines
} from '../../emulator/cloudrun/logs.js'
import {
  type LogEntry,
  type LogFilter,
  effectivePageSize,
  matchesLogFilter,
  parseLogFilter,
  parseOrderBy,
  rfc3339Micros,
  timestampMicros
} from '../../emulator/logging.js'
import { RoleCatalog } from '../../emulator/roles.js'
import { type Emulator, startEmulator } from '../../emulator/server.js'
import { binding } from '../../emulator/scenarios/helpers.js'
import { DEPLOYER, REGION, TARGET_PROJECT, seed } from '../../emulator/scenarios/seed.js'
import { GoogleApiError } from '../../emulator/core.js'

const errorMessage = (fn: () => unknown): string => {
  try {
    fn()
  } catch (error) {
    if (error instanceof GoogleApiError) return `${error.status}: ${error.message}`
    throw error
  }
  throw new Error('no error')
}

describe('the query language subset', () => {
  test.each<[string, string, LogFilter]>([
    ['the empty filter', '', []],
    [
      'one comparison',
      'resource.type="cloud_run_revision"',
      [{ field: { name: 'resource.type' }, operator: '=', value: 'cloud_run_revision' }]
    ],
    [
      'AND-joined, spaced',
      'resource.type = "cloud_run_revision" AND resource.labels.service_name = "api"',
      [
        { field: { name: 'resource.type' }, operator: '=', value: 'cloud_run_revision' },
        { field: { name: 'resource.labels', key: 'service_name' }, operator: '=', value: 'api' }
      ]
    ],
    [
      'a quoted label key',
      'labels."run.googleapis.com/execution_name"="job-x2z9f"',
      [
        {
          field: { name: 'labels', key: 'run.googleapis.com/execution_name' },
          operator: '=',
          value: 'job-x2z9f'
        }
      ]
    ],
    [
      'severity, bare and quoted',
      'severity>=ERROR AND severity != "DEBUG"',
      [
        { field: { name: 'severity' }, operator: '>=', value: 'ERROR' },
        { field: { name: 'severity' }, operator: '!=', value: 'DEBUG' }
      ]
    ],
    [
      'a time range',
      'timestamp>="2026-01-01T00:00:00Z" timestamp<"2026-01-02T00:00:00.5+09:00"',
      [
        { field: { name: 'timestamp' }, operator: '>=', value: '2026-01-01T00:00:00Z' },
        { field: { name: 'timestamp' }, operator: '<', value: '2026-01-02T00:00:00.5+09:00' }
      ]
    ],
    [
      'lines without AND (the language implies it), escapes in a string',
      'logName="projects/p/logs/run.googleapis.com%2Fstdout"\ntextPayload="say \\"hi\\""',
      [
        {
          field: { name: 'logName' },
          operator: '=',
          value: 'projects/p/logs/run.googleapis.com%2Fstdout'
        },
        { field: { name: 'textPayload' }, operator: '=', value: 'say "hi"' }
      ]
    ]
  ])('parses %s', (_name, filter, expected) => {
    expect(parseLogFilter(filter)).toEqual(expected)
  })

  const SUPPORTED =
    'The emulator supports AND-joined comparisons (=, != and, for severity and timestamp, <, <=, >, >=) ' +
    'on resource.type, resource.labels.KEY, labels.KEY, logName, severity, timestamp, insertId and textPayload.'
  test.each<[string, string, string]>([
    [
      'OR',
      'severity>=ERROR OR logName="x"',
      `INVALID_ARGUMENT: Unsupported filter: the OR operator. ${SUPPORTED}`
    ],
    [
      'NOT',
      'NOT severity>=ERROR',
      `INVALID_ARGUMENT: Unsupported filter: the NOT operator. ${SUPPORTED}`
    ],
    [
      'negation',
      '-severity>=ERROR',
      `INVALID_ARGUMENT: Unsupported filter: negation. ${SUPPORTED}`
    ],
    [
      'the has operator',
      'textPayload:"boom"',
      `INVALID_ARGUMENT: Unsupported filter: the : operator. ${SUPPORTED}`
    ],
    [
      'a regular expression',
      'textPayload=~"bo+m"',
      `INVALID_ARGUMENT: Unsupported filter: the =~ operator. ${SUPPORTED}`
    ],
    [
      'parentheses',
      '(severity>=ERROR)',
      `INVALID_ARGUMENT: Unsupported filter: parentheses. ${SUPPORTED}`
    ],
    [
      'another field',
      'jsonPayload.message="x"',
      `INVALID_ARGUMENT: Unsupported filter: the field jsonPayload.message. ${SUPPORTED}`
    ],
    [
      'a global restriction',
      '"boom"',
      `INVALID_ARGUMENT: Unsupported filter: a global restriction (a value without a field). ${SUPPORTED}`
    ],
    [
      'ordering a string',
      'logName>"a"',
      `INVALID_ARGUMENT: Unsupported filter: the > operator on logName. ${SUPPORTED}`
    ],
    [
      'a missing value',
      'resource.type=',
      "INVALID_ARGUMENT: Unparseable filter: syntax error at line 1, column 15, token '<EOF>'"
    ],
    [
      'a dangling AND',
      'severity>=ERROR AND',
      "INVALID_ARGUMENT: Unparseable filter: syntax error at line 1, column 20, token '<EOF>'"
    ],
    [
      'an unterminated string',
      'logName="abc',
      `INVALID_ARGUMENT: Unparseable filter: syntax error at line 1, column 9, token '"abc'`
    ],
    [
      'a stray character on line 2',
      'severity>=ERROR\n  logName # "x"',
      "INVALID_ARGUMENT: Unparseable filter: syntax error at line 2, column 11, token '#'"
    ],
    [
      'an unknown severity',
      'severity>=LOUD',
      'INVALID_ARGUMENT: Invalid severity in filter: "LOUD"'
    ],
    [
      'a timestamp that is not RFC 3339',
      'timestamp>="yesterday"',
      'INVALID_ARGUMENT: Invalid timestamp in filter: "yesterday"'
    ]
  ])('refuses %s with a 400', (_name, filter, expected) => {
    expect(errorMessage(() => parseLogFilter(filter))).toBe(expected)
  })

  const entry: LogEntry = {
    logName: 'projects/p/logs/run.googleapis.com%2Fvarlog%2Fsystem',
    resource: {
      type: 'cloud_run_revision',
      labels: { service_name: 'api', revision_name: 'api-00001-abc' }
    },
    labels: { 'run.googleapis.com/execution_name': 'job-x' },
    severity: 'WARNING',
    textPayload: 'Container called exit(1).',
    timestamp: '2026-01-01T00:00:00.000001Z'
  }
  test.each<[string, string, boolean]>([
    [
      'its resource',
      'resource.type="cloud_run_revision" AND resource.labels.service_name="api"',
      true
    ],
    ['another revision', 'resource.labels.revision_name="api-00002-xyz"', false],
    ['case does not matter', 'resource.labels.service_name="API"', true],
    ['an entry label', 'labels."run.googleapis.com/execution_name"="job-x"', true],
    ['a label it lacks, by =', 'labels.other="x"', false],
    ['a label it lacks, by !=', 'labels.other!="x"', true],
    ['severity at least WARNING', 'severity>=WARNING', true],
    ['severity at least ERROR', 'severity>=ERROR', false],
    ['severity by number', 'severity<500', true],
    ['a microsecond after the start', 'timestamp>"2026-01-01T00:00:00Z"', true],
    ['before, in another zone', 'timestamp<"2026-01-01T09:00:00+09:00"', false],
    ['its log', 'logName="projects/p/logs/run.googleapis.com%2Fvarlog%2Fsystem"', true],
    ['its text', 'textPayload="Container called exit(1)."', true]
  ])('matches %s: %s', (_name, filter, expected) => {
    expect(matchesLogFilter(parseLogFilter(filter), entry)).toBe(expected)
  })

  test.each<[string | undefined, 'asc' | 'desc' | string]>([
    [undefined, 'asc'],
    ['timestamp asc', 'asc'],
    ['timestamp desc', 'desc'],
    ['  TIMESTAMP   DESC ', 'desc'],
    [
      'severity desc',
      'INVALID_ARGUMENT: Invalid order_by "severity desc": only "timestamp asc" and "timestamp desc" are supported.'
    ]
  ])('orderBy %s → %s', (orderBy, expected) => {
    const result = expected === 'asc' || expected === 'desc'
    if (result) expect(parseOrderBy(orderBy)).toBe(expected)
    else expect(errorMessage(() => parseOrderBy(orderBy))).toBe(expected)
  })

  test.each<[number | undefined, number | string]>([
    [undefined, 50],
    [0, 50],
    [7, 7],
    [1000, 1000],
    [5000, 1000],
    [-1, 'INVALID_ARGUMENT: page_size must not be negative: -1']
  ])('pageSize %s → %s', (pageSize, expected) => {
    if (typeof expected === 'number') expect(effectivePageSize(pageSize)).toBe(expected)
    else expect(errorMessage(() => effectivePageSize(pageSize))).toBe(expected)
  })

  test.each<[string, number | undefined]>([
    ['2026-01-01T00:00:00Z', Date.UTC(2026, 0, 1) * 1000],
    ['2026-01-01T00:00:00.123456789Z', Date.UTC(2026, 0, 1) * 1000 + 123456],
    ['2026-01-01T09:00:00+09:00', Date.UTC(2026, 0, 1) * 1000],
    ['2026-01-01', undefined]
  ])('timestamp %s in microseconds', (text, micros) => {
    expect(timestampMicros(text)).toBe(micros)
  })

  test('timestamps render with microseconds', () => {
    expect(rfc3339Micros(Date.UTC(2026, 0, 1) * 1000 + 42)).toBe('2026-01-01T00:00:00.000042Z')
    expect(rfc3339Micros(Date.UTC(2026, 0, 1) * 1000 + 1_500_000.2)).toBe(
      '2026-01-01T00:00:01.500000Z'
    )
  })
})

describe('what a failing container leaves in Cloud Logging', () => {
  const AT = Date.UTC(2026, 0, 1, 12)
  const ts = (micros: number) => rfc3339Micros(AT * 1000 + micros)
  const failing = (extra: { name?: string; ports?: { containerPort: number }[] } = {}) => ({
    image: 'img',
    ...extra,
    env: [
      { name: 'EMULATOR_FAIL', value: 'start' },
      { name: 'EMULATOR_LOG', value: 'Error: DATABASE_URL is not set\n    at main.js:3\n' }
    ]
  })
  const facts: Omit<ContainerFailure, 'kind' | 'resourceId'> = {
    projectId: 'p',
    location: 'asia-northeast1',
    containers: [failing()],
    failing: [0],
    at: AT,
    instanceId: '00abc'
  }

  test.each<[string, string | undefined, string[]]>([
    ['two lines and a final newline', 'a\nb\n', ['a', 'b']],
    ['one line', 'boom', ['boom']],
    ['an empty value', '', []],
    ['no marker', undefined, []]
  ])('EMULATOR_LOG: %s', (_name, value, lines) => {
    const env = value === undefined ? [] : [{ name: 'EMULATOR_LOG', value }]
    expect(printedLines({ image: 'img', env })).toEqual(lines)
  })

  test('a service revision: its lines, the exit, then the startup probe', () => {
    const resource = {
      type: 'cloud_run_revision',
      labels: {
        location: 'asia-northeast1',
        project_id: 'p',
        configuration_name: 'api',
        revision_name: 'api-00001-abc',
        service_name: 'api'
      }
    }
    expect(
      containerFailureEntries({
        ...facts,
        kind: 'service',
        resourceId: 'api',
        revision: 'api-00001-abc'
      })
    ).toEqual([
      {
        logName: 'projects/p/logs/run.googleapis.com%2Fstdout',
        resource,
        textPayload: 'Error: DATABASE_URL is not set',
        timestamp: ts(0),
        labels: { instanceId: '00abc' }
      },
      {
        logName: 'projects/p/logs/run.googleapis.com%2Fstdout',
        resource,
        textPayload: '    at main.js:3',
        timestamp: ts(1),
        labels: { instanceId: '00abc' }
      },
      {
        logName: 'projects/p/logs/run.googleapis.com%2Fvarlog%2Fsystem',
        resource,
        textPayload: 'Container called exit(1).',
        timestamp: ts(2),
        severity: 'WARNING',
        labels: { instanceId: '00abc', container_name: 'api-1' }
      },
      {
        logName: 'projects/p/logs/run.googleapis.com%2Fvarlog%2Fsystem',
        resource,
        textPayload:
          'Default STARTUP TCP probe failed 1 time consecutively for container "api-1" on port 8080. The instance was not started.',
        timestamp: ts(3),
        severity: 'ERROR',
        labels: { instanceId: '00abc', container_name: 'api-1' }
      }
    ])
  })

  test('the probe checks the ingress container on its port, whichever container failed', () => {
    const entries = containerFailureEntries({
      ...facts,
      kind: 'service',
      resourceId: 'api',
      revision: 'api-00002-xyz',
      containers: [{ image: 'proxy', name: 'web', ports: [{ containerPort: 9000 }] }, failing()],
      failing: [1]
    })
    expect(entries.map(e => [e.labels?.['container_name'], e.textPayload])).toEqual([
      [undefined, 'Error: DATABASE_URL is not set'],
      [undefined, '    at main.js:3'],
      ['api-2', 'Container called exit(1).'],
      [
        'web',
        'Default STARTUP TCP probe failed 1 time consecutively for container "web" on port 9000. The instance was not started.'
      ]
    ])
  })

  test('a worker pool revision: its lines and the exit, no probe', () => {
    const entries = containerFailureEntries({
      ...facts,
      kind: 'workerPool',
      resourceId: 'pool',
      revision: 'pool-00001-abc'
    })
    expect(entries.map(e => e.textPayload)).toEqual([
      'Error: DATABASE_URL is not set',
      '    at main.js:3',
      'Container called exit(1).'
    ])
    expect(entries[0]?.resource).toEqual({
      type: 'cloud_run_worker_pool',
      labels: {
        location: 'asia-northeast1',
        project_id: 'p',
        revision_name: 'pool-00001-abc',
        worker_pool_name: 'pool'
      }
    })
  })

  test("a job execution: every task's lines, labelled with the execution and the task", () => {
    const entries = containerFailureEntries({
      ...facts,
      kind: 'job',
      resourceId: 'batch',
      execution: 'batch-x2z9f',
      taskCount: 2
    })
    expect(entries[0]?.resource).toEqual({
      type: 'cloud_run_job',
      labels: { location: 'asia-northeast1', project_id: 'p', job_name: 'batch' }
    })
    expect(
      entries.map(e => [e.labels?.['run.googleapis.com/task_index'], e.textPayload, e.severity])
    ).toEqual([
      ['0', 'Error: DATABASE_URL is not set', undefined],
      ['0', '    at main.js:3', undefined],
      ['0', 'Container called exit(1).', 'WARNING'],
      ['1', 'Error: DATABASE_URL is not set', undefined],
      ['1', '    at main.js:3', undefined],
      ['1', 'Container called exit(1).', 'WARNING']
    ])
    expect(
      entries.every(e => e.labels?.['run.googleapis.com/execution_name'] === 'batch-x2z9f')
    ).toBe(true)
  })
})

describe('who may read logs', () => {
  const catalog = new RoleCatalog()
  test.each([
    ['roles/logging.viewer', 'logging.logEntries.list', true],
    ['roles/logging.viewer', 'logging.privateLogEntries.list', false],
    ['roles/logging.privateLogViewer', 'logging.logEntries.list', true],
    ['roles/logging.privateLogViewer', 'logging.privateLogEntries.list', true],
    ['roles/viewer', 'logging.logEntries.list', true],
    ['roles/editor', 'logging.logEntries.list', true],
    ['roles/owner', 'logging.logEntries.list', true],
    ['roles/run.developer', 'logging.logEntries.list', false]
  ])('%s holds %s: %s', (role, permission, held) => {
    expect(catalog.permissions(role).has(permission)).toBe(held)
  })
})

// ---- entries.list over HTTP -----------------------------------------------------------------------

const VIEWER = 'user:viewer@example.com'
const APP_IMAGE = `${REGION}-docker.pkg.dev/${TARGET_PROJECT}/app/api:v1`
const PARENT = `v2/projects/${TARGET_PROJECT}/locations/${REGION}`
const scenario = {
  ...seed,
  name: 'logging',
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
  ),
  logEntries: [
    {
      logName: `projects/${TARGET_PROJECT}/logs/run.googleapis.com%2Fstdout`,
      resource: { type: 'cloud_run_revision', labels: { service_name: 'old' } },
      textPayload: 'from long ago',
      timestamp: '2020-01-01T00:00:00Z'
    }
  ]
}

let emulator: Emulator | undefined
afterEach(async () => {
  await emulator?.close()
  emulator = undefined
})

async function call(path: string, member: string | undefined, body?: unknown) {
  if (!emulator) throw new Error('no emulator')
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (member) headers['authorization'] = `Bearer ${emulator.issueAccessToken(member)}`
  const response = await fetch(new URL(path, emulator.url), {
    method: body === undefined ? 'GET' : 'POST',
    headers,
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

const list = (member: string | undefined, request: Record<string, unknown>) =>
  call('v2/entries:list', member, { resourceNames: [`projects/${TARGET_PROJECT}`], ...request })
const texts = (reply: { body: Record<string, unknown> }) =>
  ((reply.body['entries'] as LogEntry[] | undefined) ?? []).map(e => e.textPayload)

describe('entries.list', () => {
  test('a failed revision start is readable after the ingestion delay, by a logs viewer only', async () => {
    emulator = await startEmulator(scenario, { logIngestionDelayMs: 5000 })
    expect(emulator.env['CLOUDSDK_API_ENDPOINT_OVERRIDES_LOGGING']).toBe(emulator.url)
    const created = await call(`${PARENT}/services?serviceId=api`, DEPLOYER, {
      template: {
        containers: [
          {
            image: APP_IMAGE,
            env: [
              { name: 'EMULATOR_FAIL', value: 'start' },
              { name: 'EMULATOR_LOG', value: 'Error: DATABASE_URL is not set\n    at main.js:3' }
            ]
          }
        ]
      }
    })
    expect(created.status).toBe(200)
    const operation = await call(`v2/${String(created.body['name'])}`, DEPLOYER)
    expect(operation.body['done']).toBe(true)
    const revision = String(
      (
        emulator.cloudRun.getService(`projects/${TARGET_PROJECT}/locations/${REGION}/services/api`)
          ?.latestCreatedRevision ?? ''
      )
        .split('/')
        .pop()
    )
    const filter =
      `resource.type="cloud_run_revision" AND resource.labels.service_name="api" AND ` +
      `resource.labels.revision_name="${revision}"`

    // Written, not yet ingested.
    expect((await list(VIEWER, { filter })).body).toEqual({})
    emulator.advanceClock(5000)
    const newest = await list(VIEWER, { filter, orderBy: 'timestamp desc' })
    expect(newest.status).toBe(200)
    expect(texts(newest)).toEqual([
      'Default STARTUP TCP probe failed 1 time consecutively for container "api-1" on port 8080. The instance was not started.',
      'Container called exit(1).',
      '    at main.js:3',
      'Error: DATABASE_URL is not set'
    ])
    const first = (newest.body['entries'] as LogEntry[])[3]
    expect(first).toMatchObject({
      logName: `projects/${TARGET_PROJECT}/logs/run.googleapis.com%2Fstdout`,
      resource: {
        type: 'cloud_run_revision',
        labels: {
          service_name: 'api',
          configuration_name: 'api',
          revision_name: revision,
          location: REGION,
          project_id: TARGET_PROJECT
        }
      }
    })
    expect(first?.insertId).toMatch(/^[0-9a-f]{24}$/)
    expect(timestampMicros(first?.receiveTimestamp ?? '')).toBeGreaterThan(
      timestampMicros(first?.timestamp ?? '') ?? Infinity
    )

    // The deployer holds run.developer, which reads no logs; no credentials at all is a 401.
    const denied = await list(DEPLOYER, { filter })
    expect(denied).toEqual({
      status: 403,
      body: {
        error: {
          code: 403,
          status: 'PERMISSION_DENIED',
          message: "Permission 'logging.logEntries.list' denied on resource (or it may not exist).",
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: 'IAM_PERMISSION_DENIED',
              domain: 'iam.googleapis.com',
              metadata: { permission: 'logging.logEntries.list' }
            }
          ]
        }
      }
    })
    expect((await list(undefined, { filter })).status).toBe(401)
    expect(
      (await call('v2/entries:list', VIEWER, { resourceNames: ['projects/nope'] })).status
    ).toBe(403)
  })

  test('a failed job task logs under its execution; severity narrows', async () => {
    emulator = await startEmulator(scenario)
    await call(`${PARENT}/jobs?jobId=batch`, DEPLOYER, {
      template: {
        taskCount: 2,
        template: {
          containers: [
            {
              image: APP_IMAGE,
              env: [
                { name: 'EMULATOR_FAIL', value: 'task' },
                { name: 'EMULATOR_LOG', value: 'migration failed' }
              ]
            }
          ]
        }
      }
    })
    const run = await call(`${PARENT}/jobs/batch:run`, DEPLOYER, {})
    const execution = String((run.body['metadata'] as { name: string }).name.split('/').pop())
    const filter = `resource.type="cloud_run_job" AND labels."run.googleapis.com/execution_name"="${execution}"`
    const all = await list(VIEWER, { filter })
    expect(texts(all)).toEqual([
      'migration failed',
      'Container called exit(1).',
      'migration failed',
      'Container called exit(1).'
    ])
    const warnings = await list(VIEWER, { filter: `${filter} AND severity>=WARNING` })
    expect(texts(warnings)).toEqual(['Container called exit(1).', 'Container called exit(1).'])
  })

  test('pages, entries written by tests and scenarios, and the 400s', async () => {
    emulator = await startEmulator(scenario, { logIngestionDelayMs: 1000 })
    // A scenario's entries are old: visible at once.
    expect(texts(await list(VIEWER, {}))).toEqual(['from long ago'])
    const logName = `projects/${TARGET_PROJECT}/logs/app`
    const written = emulator.logging.write(
      ['one', 'two', 'three', 'four', 'five'].map((text, i) => ({
        logName,
        textPayload: text,
        timestamp: rfc3339Micros(Date.UTC(2026, 0, 1) * 1000 + i)
      }))
    )
    expect(written[0]?.insertId).toMatch(/^[0-9a-f]{24}$/)
    const filter = `logName="${logName}"`
    expect((await list(VIEWER, { filter })).body).toEqual({})
    emulator.advanceClock(1000)

    const page1 = await list(VIEWER, { filter, pageSize: 2 })
    expect(texts(page1)).toEqual(['one', 'two'])
    const token = page1.body['nextPageToken']
    expect(typeof token).toBe('string')
    const page2 = await list(VIEWER, { filter, pageSize: 2, pageToken: token })
    expect(texts(page2)).toEqual(['three', 'four'])
    const page3 = await list(VIEWER, {
      filter,
      pageSize: 2,
      pageToken: page2.body['nextPageToken']
    })
    expect(texts(page3)).toEqual(['five'])
    expect(page3.body['nextPageToken']).toBeUndefined()
    const reused = await list(VIEWER, { filter: 'severity>=ERROR', pageToken: token })
    expect(reused.status).toBe(400)

    const bad = await list(VIEWER, { filter: 'severity>=ERROR OR textPayload="x"' })
    expect(bad.status).toBe(400)
    expect((bad.body['error'] as { status: string }).status).toBe('INVALID_ARGUMENT')
    expect((await list(VIEWER, { orderBy: 'insertId' })).status).toBe(400)
    expect((await list(VIEWER, { pageSize: -1 })).status).toBe(400)
    expect((await call('v2/entries:list', VIEWER, {})).status).toBe(400)
  })

  test('the new options are set like the others, through setOptions or the admin endpoint', async () => {
    emulator = await startEmulator('seed')
    expect(emulator.options).toMatchObject({ waitReturnsAtOnce: false, logIngestionDelayMs: 0 })
    const response = await fetch(new URL('__emulator/options', emulator.url), {
      method: 'POST',
      body: JSON.stringify({ waitReturnsAtOnce: true, logIngestionDelayMs: 2500 })
    })
    expect(response.status).toBe(200)
    expect(emulator.options).toMatchObject({ waitReturnsAtOnce: true, logIngestionDelayMs: 2500 })
    emulator.setOptions({ waitReturnsAtOnce: false })
    expect(emulator.options.waitReturnsAtOnce).toBe(false)
  })
})
