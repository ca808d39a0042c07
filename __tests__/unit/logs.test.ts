/**
 * The pure parts of reading a failed workload's logs: the Logging query for each kind of workload, the
 * Logs Explorer link to the same query, and an entry's text, severity and order.
 */
import type { OAuth2Client } from 'google-auth-library'
import type { logging_v2 } from 'googleapis/build/src/apis/logging/v2.js'
import {
  type FailedWorkload,
  fetchFailureLogs,
  MAX_LINE_LENGTH,
  MAX_LINES,
  entryText,
  logFilter,
  logsConsoleUrl,
  newestLines,
  toLogLine
} from '../../src/deploy/logs.js'

type LogEntry = logging_v2.Schema$LogEntry

const SERVICE: FailedWorkload = {
  kind: 'service',
  project: 'myproject-a',
  region: 'asia-northeast1',
  service: 'api',
  revision: 'api-00002-xyz'
}
const WORKER_POOL: FailedWorkload = {
  kind: 'workerPool',
  project: 'myproject-a',
  region: 'asia-northeast1',
  workerPool: 'pool',
  revision: 'pool-00001-abc'
}
const JOB: FailedWorkload = {
  kind: 'job',
  project: 'myproject-a',
  region: 'asia-northeast1',
  job: 'batch',
  execution: 'batch-x2z9f'
}

describe('logFilter', () => {
  test.each<[string, FailedWorkload, string | undefined, string]>([
    [
      'a service revision',
      SERVICE,
      undefined,
      'resource.type="cloud_run_revision" AND resource.labels.service_name="api" AND ' +
        'resource.labels.revision_name="api-00002-xyz" AND resource.labels.location="asia-northeast1"'
    ],
    [
      'a worker pool revision',
      WORKER_POOL,
      undefined,
      'resource.type="cloud_run_worker_pool" AND resource.labels.worker_pool_name="pool" AND ' +
        'resource.labels.revision_name="pool-00001-abc" AND resource.labels.location="asia-northeast1"'
    ],
    [
      'a job execution',
      JOB,
      undefined,
      'resource.type="cloud_run_job" AND resource.labels.job_name="batch" AND ' +
        'resource.labels.location="asia-northeast1" AND ' +
        'labels."run.googleapis.com/execution_name"="batch-x2z9f"'
    ],
    [
      'a revision by its full resource name, from the deploy start',
      {
        ...SERVICE,
        revision:
          'projects/myproject-a/locations/asia-northeast1/services/api/revisions/api-00002-xyz'
      },
      '2026-01-01T09:00:00+09:00',
      'resource.type="cloud_run_revision" AND resource.labels.service_name="api" AND ' +
        'resource.labels.revision_name="api-00002-xyz" AND resource.labels.location="asia-northeast1" AND ' +
        'timestamp>="2026-01-01T00:00:00.000Z"'
    ],
    [
      'an execution by its full resource name, from the deploy start',
      {
        ...JOB,
        execution:
          'projects/myproject-a/locations/asia-northeast1/jobs/batch/executions/batch-x2z9f'
      },
      '2026-01-01T00:00:00.123Z',
      'resource.type="cloud_run_job" AND resource.labels.job_name="batch" AND ' +
        'resource.labels.location="asia-northeast1" AND ' +
        'labels."run.googleapis.com/execution_name"="batch-x2z9f" AND ' +
        'timestamp>="2026-01-01T00:00:00.123Z"'
    ],
    [
      'quotes and backslashes escaped (names never hold them, but a query must never break)',
      { ...SERVICE, service: 'a"b\\c' },
      undefined,
      'resource.type="cloud_run_revision" AND resource.labels.service_name="a\\"b\\\\c" AND ' +
        'resource.labels.revision_name="api-00002-xyz" AND resource.labels.location="asia-northeast1"'
    ]
  ])('%s', (_name, workload, since, expected) => {
    expect(logFilter(workload, since)).toBe(expected)
  })

  test('a start time that is no time is refused, not sent', () => {
    expect(() => logFilter(SERVICE, 'yesterday')).toThrow('not a timestamp: "yesterday"')
  })
})

describe('logsConsoleUrl', () => {
  test.each<[string, FailedWorkload, string | undefined, string]>([
    [
      'a service revision',
      SERVICE,
      undefined,
      'https://console.cloud.google.com/logs/query;query=' +
        'resource.type%3D%22cloud_run_revision%22%20AND%20resource.labels.service_name%3D%22api%22%20AND%20' +
        'resource.labels.revision_name%3D%22api-00002-xyz%22%20AND%20' +
        'resource.labels.location%3D%22asia-northeast1%22?project=myproject-a'
    ],
    [
      'a job execution from the deploy start',
      JOB,
      '2026-01-01T00:00:00Z',
      'https://console.cloud.google.com/logs/query;query=' +
        'resource.type%3D%22cloud_run_job%22%20AND%20resource.labels.job_name%3D%22batch%22%20AND%20' +
        'resource.labels.location%3D%22asia-northeast1%22%20AND%20' +
        'labels.%22run.googleapis.com%2Fexecution_name%22%3D%22batch-x2z9f%22%20AND%20' +
        'timestamp%3E%3D%222026-01-01T00%3A00%3A00.000Z%22?project=myproject-a'
    ],
    [
      'a domain-scoped project',
      { ...WORKER_POOL, project: 'example.com:my-proj' },
      undefined,
      'https://console.cloud.google.com/logs/query;query=' +
        'resource.type%3D%22cloud_run_worker_pool%22%20AND%20resource.labels.worker_pool_name%3D%22pool%22%20AND%20' +
        'resource.labels.revision_name%3D%22pool-00001-abc%22%20AND%20' +
        'resource.labels.location%3D%22asia-northeast1%22?project=example.com%3Amy-proj'
    ]
  ])('%s', (_name, workload, since, expected) => {
    expect(logsConsoleUrl(workload, since)).toBe(expected)
  })

  test('the link decodes back to the query, and holds nothing that ends a Markdown link', () => {
    const workload: FailedWorkload = { ...SERVICE, service: "it's (a) [test]*!;?#&" }
    const url = logsConsoleUrl(workload)
    expect(url).not.toMatch(/[\s()[\]'*!#&]/)
    const query = /;query=([^?]*)\?project=/.exec(url)?.[1] ?? ''
    expect(decodeURIComponent(query)).toBe(logFilter(workload))
    expect(url.split(';')).toHaveLength(2)
    expect(url.split('?')).toHaveLength(2)
  })
})

describe('entryText', () => {
  const long = 'x'.repeat(MAX_LINE_LENGTH + 50)
  test.each<[string, LogEntry, string]>([
    [
      'a printed line',
      { textPayload: 'Error: DATABASE_URL is not set' },
      'Error: DATABASE_URL is not set'
    ],
    [
      'indentation kept',
      { textPayload: '    at main (/app/main.js:3:9)' },
      '    at main (/app/main.js:3:9)'
    ],
    ['trailing newline and spaces trimmed', { textPayload: 'boom  \n' }, 'boom'],
    [
      'a stack trace in one entry keeps its lines, CRLF as LF',
      { textPayload: 'Traceback:\r\n  File "main.py"\r\nKeyError' },
      'Traceback:\n  File "main.py"\nKeyError'
    ],
    [
      'terminal colours and control characters removed, tabs kept',
      { textPayload: '\u001b[31mERROR\u001b[0m\tdb\u0007 down\u0000' },
      'ERROR\tdb down'
    ],
    [
      'a structured line: its message',
      { jsonPayload: { message: 'listen EADDRINUSE', severity: 'ERROR', code: 'EADDRINUSE' } },
      'listen EADDRINUSE'
    ],
    [
      'a structured line without a message: compact JSON',
      { jsonPayload: { event: 'crash', exitCode: 3 } },
      '{"event":"crash","exitCode":3}'
    ],
    [
      'a message that is no string: the whole payload',
      { jsonPayload: { message: { text: 'nested' } } },
      '{"message":{"text":"nested"}}'
    ],
    [
      "Cloud Run's audit entry: its status message",
      {
        protoPayload: {
          '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
          methodName: 'ReplaceService',
          status: {
            code: 9,
            message:
              'Ready condition status changed to False for Revision api-00002-xyz with message: The user-provided container failed to start.'
          }
        }
      },
      'Ready condition status changed to False for Revision api-00002-xyz with message: The user-provided container failed to start.'
    ],
    [
      'a proto payload without a status: compact JSON',
      { protoPayload: { methodName: 'x' } },
      '{"methodName":"x"}'
    ],
    ['no payload at all', { severity: 'ERROR' }, ''],
    [
      'a long line, cut with an ellipsis',
      { textPayload: long },
      `${'x'.repeat(MAX_LINE_LENGTH - 1)}…`
    ]
  ])('%s', (_name, entry, expected) => {
    expect(entryText(entry)).toBe(expected)
  })

  test('a cut never splits a surrogate pair', () => {
    const text = `${'x'.repeat(8)}😀😀😀`
    const cut = entryText({ textPayload: text }, 10)
    expect(cut).toBe(`${'x'.repeat(8)}…`)
    expect(cut.length).toBeLessThanOrEqual(10)
    expect(entryText({ textPayload: text }, 11)).toBe(`${'x'.repeat(8)}😀…`)
  })
})

describe('lines', () => {
  test.each<[string, LogEntry, { timestamp: string; severity: string }]>([
    [
      'severity and timestamp as given',
      { timestamp: '2026-01-01T00:00:00.000001Z', severity: 'WARNING', textPayload: 'x' },
      { timestamp: '2026-01-01T00:00:00.000001Z', severity: 'WARNING' }
    ],
    [
      'no severity is DEFAULT; no timestamp falls back to the receive time',
      { receiveTimestamp: '2026-01-01T00:00:01Z', textPayload: 'x' },
      { timestamp: '2026-01-01T00:00:01Z', severity: 'DEFAULT' }
    ]
  ])('%s', (_name, entry, expected) => {
    expect(toLogLine(entry)).toMatchObject(expected)
  })

  test(`newest first in, at most ${MAX_LINES} out, oldest first`, () => {
    const newestFirst: LogEntry[] = Array.from({ length: 30 }, (_, i) => ({
      timestamp: `2026-01-01T00:00:${String(59 - i).padStart(2, '0')}Z`,
      textPayload: `line ${30 - i}`
    }))
    const lines = newestLines(newestFirst)
    expect(lines).toHaveLength(MAX_LINES)
    expect(lines[0]?.text).toBe('line 11')
    expect(lines[MAX_LINES - 1]?.text).toBe('line 30')
    expect(lines.map(l => l.timestamp)).toEqual([...lines.map(l => l.timestamp)].sort())
  })
})

describe('a search Logging has not finished', () => {
  test('an empty page with a token is followed within the poll, the query unchanged', async () => {
    const answers: logging_v2.Schema$ListLogEntriesResponse[] = [
      { nextPageToken: 't1' },
      { nextPageToken: 't2' },
      { entries: [{ textPayload: 'found', timestamp: '2026-01-01T00:00:00Z' }] }
    ]
    const sent: { url: string; data: unknown }[] = []
    const auth = {
      request: async (options: { url: string; data: unknown }) => {
        sent.push({ url: options.url, data: options.data })
        return { data: answers.shift() }
      }
    } as unknown as OAuth2Client
    // Found within the first poll: no wait on the clock happens.
    const logs = await fetchFailureLogs(auth, 'https://logging.example.com/', SERVICE)
    expect(logs).toEqual({
      lines: [{ timestamp: '2026-01-01T00:00:00Z', severity: 'DEFAULT', text: 'found' }],
      consoleUrl: logsConsoleUrl(SERVICE)
    })
    const query = {
      resourceNames: ['projects/myproject-a'],
      filter: logFilter(SERVICE),
      orderBy: 'timestamp desc',
      pageSize: MAX_LINES
    }
    expect(sent).toEqual([
      { url: 'https://logging.example.com/v2/entries:list', data: query },
      { url: 'https://logging.example.com/v2/entries:list', data: { ...query, pageToken: 't1' } },
      { url: 'https://logging.example.com/v2/entries:list', data: { ...query, pageToken: 't2' } }
    ])
  })

  test('with no time left, the token is not followed', async () => {
    let requests = 0
    const auth = {
      request: async () => ({ data: { nextPageToken: `t${++requests}` } })
    } as unknown as OAuth2Client
    const logs = await fetchFailureLogs(auth, 'https://logging.example.com', SERVICE, {
      waitForIngestionMs: 0
    })
    expect(logs).toMatchObject({
      unavailable: 'no log entries arrived within 0 s; they may still be on their way'
    })
    expect(requests).toBe(1)
  })
})
