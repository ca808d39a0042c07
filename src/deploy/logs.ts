/**
 * The last log lines of a revision or job execution that failed after its image was pulled (the
 * container crashed, did not listen on its port, a task exited non-zero), read from Cloud Logging's
 * entries.list (https://cloud.google.com/logging/docs/reference/v2/rest/v2/entries/list) so that the
 * step's error and the job summary can say why without a trip to the console.
 *
 * Logs are a help, not part of the outcome: every failure comes back as a value that says why the lines
 * are missing (and, for a denial, which role would let the deployer read them), never as a throw.
 * Log text can hold anything, secrets included; it is returned as written (control characters aside)
 * and the caller escapes it for wherever it goes.
 */
import type { OAuth2Client } from 'google-auth-library'
import type { logging_v2 } from 'googleapis/build/src/apis/logging/v2.js'
import { clock } from '../clock.js'
import { toGoogleCallError } from '../google/errors.js'
import { DEFAULT_RETRY_POLICY, withRetry } from '../google/retry.js'

type LogEntry = logging_v2.Schema$LogEntry
type ListLogEntriesRequest = logging_v2.Schema$ListLogEntriesRequest
type ListLogEntriesResponse = logging_v2.Schema$ListLogEntriesResponse

/** What failed. Revision and execution names may be short (`api-00002-xyz`) or full resource names. */
export type FailedWorkload =
  | { kind: 'service'; project: string; region: string; service: string; revision: string }
  | { kind: 'workerPool'; project: string; region: string; workerPool: string; revision: string }
  | { kind: 'job'; project: string; region: string; job: string; execution: string }

export interface LogLine {
  /** LogEntry.timestamp as Logging renders it (RFC 3339, UTC). */
  readonly timestamp: string
  /** LogEntry.severity as given; `DEFAULT` when the entry has none. */
  readonly severity: string
  /** The entry's text, control characters removed, at most MAX_LINE_LENGTH characters. */
  readonly text: string
}

export type FailureLogs =
  /** One to MAX_LINES lines, oldest first. */
  | { readonly lines: readonly LogLine[]; readonly consoleUrl: string }
  /** Why there are no lines, and the role that would let the deployer read them when that is why. */
  | { readonly unavailable: string; readonly role?: string; readonly consoleUrl: string }

/** The newest lines only: enough to show a crash and its stack, short enough for a step's error. */
export const MAX_LINES = 20
/** Per line: 20 lines stay under about 10 kB, and one long JSON payload cannot crowd out the rest. */
export const MAX_LINE_LENGTH = 500
/** REFERENCE.md "Cloud Logging": entries.list needs this permission, which roles/logging.viewer holds. */
export const LIST_PERMISSION = 'logging.logEntries.list'
export const LOGS_VIEWER_ROLE = 'roles/logging.viewer'

/** "Entries arrive a few seconds after they are written" (REFERENCE.md): wait about that long. */
export const DEFAULT_INGESTION_WAIT_MS = 10_000
/** Polls at 0, 2.5, 5, 7.5 and 10 s with the default wait: a few requests, none wasted on a tight loop. */
export const POLL_INTERVAL_MS = 2_500
/** One attempt's limit, so that a hanging Logging request cannot hold the run for the transport's 60 s. */
const ATTEMPT_TIMEOUT_MS = 10_000
/** Pages followed within one poll when Logging answers "no entries yet, search on" (see newestEntries). */
const MAX_PAGES_PER_POLL = 3
const CALL = 'logging.entries.list'
const CONSOLE = 'https://console.cloud.google.com/logs/query'

// ---- the query (pure) ----------------------------------------------------------------------------

/** The last segment of a resource name (`projects/p/.../revisions/api-00002-xyz` → `api-00002-xyz`). */
const shortName = (name: string): string => name.slice(name.lastIndexOf('/') + 1)

/**
 * A string literal of the Logging query language: double quotes, with `\` and `"` escaped by a backslash
 * (https://cloud.google.com/logging/docs/view/logging-query-language, "Values").
 */
const quoted = (value: string): string => `"${value.replace(/[\\"]/g, c => `\\${c}`)}"`

/** `since` as an RFC 3339 UTC timestamp; a string that is no time at all is the caller's bug. */
function rfc3339(since: string): string {
  const ms = Date.parse(since)
  if (Number.isNaN(ms)) throw new TypeError(`not a timestamp: ${JSON.stringify(since)}`)
  return new Date(ms).toISOString()
}

/**
 * Which monitored resource a workload's logs are written under, and the labels that pick out the failed
 * revision or execution. The types and labels are those gcloud's own log commands filter on
 * (googlecloudsdk surface/run: `services logs read`, `worker-pools revisions logs read`, `jobs logs read`,
 * and `jobs execute --tail`, which adds `labels."run.googleapis.com/execution_name"`), each with
 * `resource.labels.location` so that a namesake in another region never matches.
 */
function resourceClauses(workload: FailedWorkload): string[] {
  const location = `resource.labels.location=${quoted(workload.region)}`
  switch (workload.kind) {
    case 'service':
      return [
        'resource.type="cloud_run_revision"',
        `resource.labels.service_name=${quoted(workload.service)}`,
        `resource.labels.revision_name=${quoted(shortName(workload.revision))}`,
        location
      ]
    case 'workerPool':
      return [
        'resource.type="cloud_run_worker_pool"',
        `resource.labels.worker_pool_name=${quoted(workload.workerPool)}`,
        `resource.labels.revision_name=${quoted(shortName(workload.revision))}`,
        location
      ]
    case 'job':
      return [
        'resource.type="cloud_run_job"',
        `resource.labels.job_name=${quoted(workload.job)}`,
        location,
        `labels."run.googleapis.com/execution_name"=${quoted(shortName(workload.execution))}`
      ]
  }
}

/**
 * The Logging query for a failed workload's entries; with `since` (the deploy's start, any form
 * Date.parse reads), only entries from then on, so that lines of an earlier run never show, and Logging
 * searches less ("limit the time range of the query by adding range restrictions on the timestamp
 * field", ListLogEntriesRequest.filter). Throws a TypeError for a `since` that is no timestamp.
 */
export function logFilter(workload: FailedWorkload, since?: string): string {
  const clauses = resourceClauses(workload)
  if (since !== undefined) clauses.push(`timestamp>=${quoted(rfc3339(since))}`)
  return clauses.join(' AND ')
}

/**
 * encodeURIComponent, plus the characters it leaves alone that Markdown or a path parameter would read:
 * `(` and `)` end a Markdown link, and `!`, `'`, `*` are reserved in RFC 3986.
 */
const encode = (value: string): string =>
  encodeURIComponent(value).replace(
    /[!'()*]/g,
    c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`
  )

/**
 * The Logs Explorer with the same query: `https://console.cloud.google.com/logs/query;query=<encoded
 * query>?project=P`, the form Google's own links and vvakame/gcplogurl build (Cloud Run's older
 * "Logs URL: .../logs/viewer?...&advancedFilter=..." in its failure messages opens the same query).
 * ASSUMPTION: with `since`, the query's own `timestamp>=` restriction takes precedence over the Logs
 * Explorer's time-range picker (default: the last hour), so the link still shows the lines days later.
 */
export function logsConsoleUrl(workload: FailedWorkload, since?: string): string {
  return `${CONSOLE};query=${encode(logFilter(workload, since))}?project=${encode(workload.project)}`
}

// ---- the text of an entry (pure) -----------------------------------------------------------------

/** CSI escape sequences (terminal colours), then every other control character but tab and newline. */
// eslint-disable-next-line no-control-regex
const ANSI_ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]/g
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f]/g

const asRecord = (value: unknown): Readonly<Record<string, unknown>> | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined

const nonEmptyString = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value : undefined

/** JSON without whitespace; a value JSON cannot write (it came from JSON, so only in theory) as text. */
function compactJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/**
 * The payload as text. LogEntry's payload is one of textPayload, jsonPayload or protoPayload (googleapis
 * logging v2 Schema$LogEntry). A JSON line a container prints becomes jsonPayload, whose `message` is
 * the line's text (https://cloud.google.com/logging/docs/structured-logging, "special JSON fields");
 * without one, the whole payload. Cloud Run's own audit entries under the same resource carry the
 * revision's failure in protoPayload.status.message ("Ready condition status changed to False for
 * Revision ... with message: ...", as users' `gcloud logging read` output shows it).
 */
function payloadText(entry: LogEntry): string {
  if (typeof entry.textPayload === 'string') return entry.textPayload
  const json = asRecord(entry.jsonPayload)
  if (json) return nonEmptyString(json['message']) ?? compactJson(json)
  const proto = asRecord(entry.protoPayload)
  if (proto) return nonEmptyString(asRecord(proto['status'])?.['message']) ?? compactJson(proto)
  return ''
}

/** Cut to `max` characters with an ellipsis, never between the two halves of a surrogate pair. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text
  let end = max - 1
  const last = text.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end--
  return `${text.slice(0, end)}…`
}

/**
 * An entry's text for a report: its payload, line breaks kept (a stack trace printed as one entry stays
 * readable), terminal escapes and other control characters removed (they render as garbage in HTML and
 * Markdown), trailing whitespace trimmed, at most `max` characters.
 */
export function entryText(entry: LogEntry, max: number = MAX_LINE_LENGTH): string {
  const text = payloadText(entry)
    .replace(/\r\n?/g, '\n')
    .replace(ANSI_ESCAPES, '')
    .replace(CONTROL_CHARACTERS, '')
    .trimEnd()
  return clip(text, max)
}

/**
 * "The default value is LogSeverity.DEFAULT" (LogEntry.severity), and proto3 JSON omits a field at its
 * default: an entry without severity is DEFAULT.
 */
export function toLogLine(entry: LogEntry): LogLine {
  return {
    timestamp: entry.timestamp ?? entry.receiveTimestamp ?? '',
    severity: entry.severity ?? 'DEFAULT',
    text: entryText(entry)
  }
}

/** Entries as entries.list returns them for `timestamp desc` → at most MAX_LINES lines, oldest first. */
export function newestLines(newestFirst: readonly LogEntry[]): LogLine[] {
  return newestFirst.slice(0, MAX_LINES).reverse().map(toLogLine)
}

// ---- the fetch -----------------------------------------------------------------------------------

/**
 * The failed workload's last lines: entries.list for the newest MAX_LINES entries ("We recommend setting
 * the order_by field to "timestamp desc" when listing recently ingested log entries", order_by), asked
 * again every POLL_INTERVAL_MS until lines appear or `waitForIngestionMs` (default 10 s) has passed on
 * the action's clock, since entries arrive a few seconds after they are written. No poll starts after
 * that, and retries (the one retry policy) never reach past it: the whole takes at most the wait plus
 * one attempt. `endpoint` is Logging's root URL (Endpoints.LOGGING); `auth` the run's client, whose
 * transport and credentials every Google call shares (as Gcp.resolveTag's hand-built requests do).
 */
export async function fetchFailureLogs(
  auth: OAuth2Client,
  endpoint: string,
  workload: FailedWorkload,
  options: { since?: string; waitForIngestionMs?: number } = {}
): Promise<FailureLogs> {
  let filter: string
  let consoleUrl: string
  try {
    filter = logFilter(workload, options.since)
    consoleUrl = logsConsoleUrl(workload, options.since)
  } catch (thrown) {
    const reason = thrown instanceof Error ? thrown.message : String(thrown)
    return {
      unavailable: `the deploy's start time is ${reason}`,
      consoleUrl: logsConsoleUrl(workload)
    }
  }
  const waitMs = Math.max(0, options.waitForIngestionMs ?? DEFAULT_INGESTION_WAIT_MS)
  const deadline = clock.now() + waitMs
  const url = `${endpoint.endsWith('/') ? endpoint : `${endpoint}/`}v2/entries:list`
  const request: ListLogEntriesRequest = {
    resourceNames: [`projects/${workload.project}`],
    filter,
    orderBy: 'timestamp desc',
    pageSize: MAX_LINES
  }
  try {
    for (;;) {
      const entries = await newestEntries(auth, url, request, deadline)
      if (entries.length > 0) return { lines: newestLines(entries), consoleUrl }
      const remaining = deadline - clock.now()
      if (remaining <= 0) {
        return {
          unavailable: `no log entries arrived within ${Math.round(waitMs / 1000)} s; they may still be on their way`,
          consoleUrl
        }
      }
      await clock.sleep(Math.min(POLL_INTERVAL_MS, remaining))
    }
  } catch (thrown) {
    return unavailable(thrown, consoleUrl)
  }
}

/**
 * One poll: the first page that holds entries. "If a value for next_page_token appears and the entries
 * field is empty, it means that the search found no log entries so far but it did not have time to
 * search all the possible log entries" (ListLogEntriesResponse): such a page is followed, a few times
 * at most and not past the deadline.
 */
async function newestEntries(
  auth: OAuth2Client,
  url: string,
  request: ListLogEntriesRequest,
  deadline: number
): Promise<LogEntry[]> {
  let pageToken: string | undefined
  for (let page = 0; page < MAX_PAGES_PER_POLL; page++) {
    const body: ListLogEntriesRequest = pageToken ? { ...request, pageToken } : request
    const policy = {
      ...DEFAULT_RETRY_POLICY,
      totalBudgetMs: Math.min(
        DEFAULT_RETRY_POLICY.totalBudgetMs,
        Math.max(0, deadline - clock.now())
      )
    }
    const data = await withRetry(
      CALL,
      async () =>
        (
          await auth.request<ListLogEntriesResponse>({
            url,
            method: 'POST',
            data: body,
            timeout: ATTEMPT_TIMEOUT_MS,
            retry: false
          })
        ).data,
      policy
    )
    if (data.entries && data.entries.length > 0) return data.entries
    if (!data.nextPageToken || clock.now() >= deadline) return []
    pageToken = data.nextPageToken
  }
  return []
}

/**
 * A 403 from entries.list is the deployer lacking logging.logEntries.list: real Logging words it
 * "Permission denied for all log views" (as `gcloud logging read` users report it), without naming the
 * permission. ASSUMPTION: a 403 for the Logging API being disabled in the project ("... has not been used
 * in project ... or it is disabled", reason SERVICE_DISABLED, as every Google API words it) is no denial:
 * the role would not help, the API's own message says what would.
 */
function isReadDenied(status: number, message: string): boolean {
  return (
    status === 403 && !/has not been used in project|it is disabled|SERVICE_DISABLED/i.test(message)
  )
}

function unavailable(thrown: unknown, consoleUrl: string): FailureLogs {
  const error = toGoogleCallError(CALL, thrown)
  if (isReadDenied(error.httpStatus, error.message)) {
    return {
      unavailable: `the deployer may not read logs (${LIST_PERMISSION})`,
      role: LOGS_VIEWER_ROLE,
      consoleUrl
    }
  }
  return { unavailable: `${error.call} failed: ${error.status}: ${error.message}`, consoleUrl }
}
