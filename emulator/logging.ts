/**
 * Cloud Logging v2 for the local emulator: `POST https://logging.googleapis.com/v2/entries:list`
 * (https://cloud.google.com/logging/docs/reference/v2/rest/v2/entries/list) over the entries the
 * emulated Cloud Run writes when a container fails, plus those a scenario or test writes itself.
 *
 * Behaviour in brief
 * - Needs `logging.logEntries.list` on every project in `resourceNames` (roles/logging.viewer, viewer,
 *   editor, owner; emulator/roles.ts); otherwise a 403 in Logging's wording.
 * - An entry becomes visible `options.logIngestionDelayMs` after it was written, on the emulator's clock
 *   ("Entries arrive a few seconds after they are written", REFERENCE.md "Cloud Logging").
 * - `filter`: the subset of the Logging query language the action sends (parseLogFilter); anything else
 *   is a 400. `orderBy`: `timestamp asc` (default) or `timestamp desc`, ties broken by insertId.
 *   `pageSize`: default 50, at most 1000; `nextPageToken` while more entries match.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { logging_v2 } from 'googleapis/build/src/apis/logging/v2.js'
import {
  GoogleApiError,
  type EmulatorContext,
  type EmulatorRequest,
  type EmulatorResponse,
  type Route,
  type Scenario
} from './core.js'

export type LogEntry = logging_v2.Schema$LogEntry
export type ListLogEntriesRequest = logging_v2.Schema$ListLogEntriesRequest
export type ListLogEntriesResponse = logging_v2.Schema$ListLogEntriesResponse

export const LIST_PERMISSION = 'logging.logEntries.list'

// ---- the query language subset (pure) ------------------------------------------------------------

/** google.logging.type.LogSeverity: the names and their numbers, which order them. */
export const SEVERITIES: Readonly<Record<string, number>> = {
  DEFAULT: 0,
  DEBUG: 100,
  INFO: 200,
  NOTICE: 300,
  WARNING: 400,
  ERROR: 500,
  CRITICAL: 600,
  ALERT: 700,
  EMERGENCY: 800
}

export type ComparisonOperator = '=' | '!=' | '>' | '>=' | '<' | '<='

/** A field the emulator can compare; `key` for the label maps. */
export type FilterField =
  | { readonly name: 'resource.type' | 'logName' | 'severity' | 'timestamp' }
  | { readonly name: 'insertId' | 'textPayload' }
  | { readonly name: 'resource.labels' | 'labels'; readonly key: string }

export interface Comparison {
  readonly field: FilterField
  readonly operator: ComparisonOperator
  /** The value as written, unquoted. */
  readonly value: string
}

/** A parsed filter: comparisons that must all hold (AND). The empty filter matches every entry. */
export type LogFilter = readonly Comparison[]

const SUPPORTED =
  'The emulator supports AND-joined comparisons (=, != and, for severity and timestamp, <, <=, >, >=) ' +
  'on resource.type, resource.labels.KEY, labels.KEY, logName, severity, timestamp, insertId and textPayload.'

/**
 * "The maximum length of a filter is 20,000 characters." (ListLogEntriesRequest.filter, googleapis
 * logging v2). ASSUMPTION: the wording of the 400 for a longer one.
 */
const MAX_FILTER_LENGTH = 20_000

interface Token {
  readonly kind: 'word' | 'string' | 'op' | 'dot' | 'paren'
  readonly text: string
  readonly line: number
  readonly column: number
}

/**
 * ASSUMPTION (wording): Logging's 400 for a filter it cannot parse, as gcloud users report it
 * ("Unparseable filter: syntax error at line 1, column N, token 'X'"); not seen in a stored source.
 */
function syntaxError(token: Pick<Token, 'line' | 'column' | 'text'>): GoogleApiError {
  return new GoogleApiError(
    'INVALID_ARGUMENT',
    `Unparseable filter: syntax error at line ${token.line}, column ${token.column}, token '${token.text}'`
  )
}

/** A construct real Logging accepts but the emulator does not model: refused, never ignored. */
function unsupported(what: string): GoogleApiError {
  return new GoogleApiError('INVALID_ARGUMENT', `Unsupported filter: ${what}. ${SUPPORTED}`)
}

function tokenize(filter: string): Token[] {
  const tokens: Token[] = []
  let line = 1
  let lineStart = 0
  let i = 0
  while (i < filter.length) {
    const char = filter[i] ?? ''
    const column = i - lineStart + 1
    if (char === '\n') {
      line++
      lineStart = i + 1
      i++
      continue
    }
    if (/\s/.test(char)) {
      i++
      continue
    }
    if (char === '"') {
      let value = ''
      let j = i + 1
      for (; j < filter.length && filter[j] !== '"'; j++) {
        const next = filter[j] ?? ''
        if (next === '\\' && j + 1 < filter.length) value += filter[++j] ?? ''
        else value += next
      }
      if (j >= filter.length) throw syntaxError({ line, column, text: filter.slice(i) })
      tokens.push({ kind: 'string', text: value, line, column })
      i = j + 1
      continue
    }
    const op = /^(>=|<=|!=|=~|!~|=|>|<|:)/.exec(filter.slice(i))?.[1]
    if (op) {
      tokens.push({ kind: 'op', text: op, line, column })
      i += op.length
      continue
    }
    if (char === '.') {
      tokens.push({ kind: 'dot', text: char, line, column })
      i++
      continue
    }
    if (char === '(' || char === ')') {
      tokens.push({ kind: 'paren', text: char, line, column })
      i++
      continue
    }
    const word = /^[A-Za-z0-9_\-+*@]+/.exec(filter.slice(i))?.[0]
    if (!word) throw syntaxError({ line, column, text: char })
    tokens.push({ kind: 'word', text: word, line, column })
    i += word.length
  }
  return tokens
}

const KEYWORDS = new Set(['AND', 'OR', 'NOT'])

function toField(segments: readonly string[]): FilterField | undefined {
  const [first, second, third, ...rest] = segments
  if (rest.length > 0) return undefined
  if (first === 'resource' && second === 'type' && third === undefined) {
    return { name: 'resource.type' }
  }
  if (first === 'resource' && second === 'labels' && third !== undefined) {
    return { name: 'resource.labels', key: third }
  }
  if (first === 'labels' && second !== undefined && third === undefined) {
    return { name: 'labels', key: second }
  }
  if (second !== undefined) return undefined
  if (
    first === 'logName' ||
    first === 'severity' ||
    first === 'timestamp' ||
    first === 'insertId' ||
    first === 'textPayload'
  ) {
    return { name: first }
  }
  return undefined
}

/**
 * Parses the Logging query language subset the action sends
 * (https://cloud.google.com/logging/docs/view/logging-query-language): comparisons joined by `AND` or
 * by whitespace alone, which the language reads as AND (gcloud's `run worker-pools revisions logs
 * read` joins its comparisons with spaces), such as `resource.type="cloud_run_revision" AND
 * labels."run.googleapis.com/execution_name"="job-x2z9f" AND severity>=ERROR`. Throws a 400 for a
 * syntax error or for anything else (OR, NOT, parentheses, `:`, regular expressions, other fields).
 */
export function parseLogFilter(filter: string): LogFilter {
  if (filter.length > MAX_FILTER_LENGTH) {
    throw new GoogleApiError(
      'INVALID_ARGUMENT',
      `The filter is longer than the maximum of ${MAX_FILTER_LENGTH} characters.`
    )
  }
  const tokens = tokenize(filter)
  const comparisons: Comparison[] = []
  let i = 0
  const peek = () => tokens[i]
  const end = (): Token => {
    const last = tokens[tokens.length - 1]
    const column = last
      ? last.column + (last.kind === 'string' ? last.text.length + 2 : last.text.length)
      : 1
    return { kind: 'word', text: '<EOF>', line: last?.line ?? 1, column }
  }
  while (i < tokens.length) {
    let token = peek()
    if (comparisons.length > 0 && token?.kind === 'word' && token.text === 'AND') {
      i++
      token = peek()
      if (!token) throw syntaxError(end())
    }
    if (!token) break
    if (token.kind === 'word' && KEYWORDS.has(token.text)) {
      throw token.text === 'AND' ? syntaxError(token) : unsupported(`the ${token.text} operator`)
    }
    if (token.kind === 'paren') throw unsupported('parentheses')
    if (token.kind === 'op' || token.kind === 'dot') throw syntaxError(token)
    if (token.kind === 'word' && token.text.startsWith('-')) throw unsupported('negation')
    // The field: word ('.' (word | "quoted"))*
    const segments: string[] = []
    if (token.kind !== 'word') throw unsupported('a global restriction (a value without a field)')
    segments.push(token.text)
    i++
    while (peek()?.kind === 'dot') {
      i++
      const segment = peek()
      if (!segment || (segment.kind !== 'word' && segment.kind !== 'string')) {
        throw syntaxError(segment ?? end())
      }
      segments.push(segment.text)
      i++
    }
    const operatorToken = peek()
    if (!operatorToken || operatorToken.kind !== 'op') {
      if (segments.length === 1) throw unsupported('a global restriction (a value without a field)')
      throw syntaxError(operatorToken ?? end())
    }
    i++
    const operator = operatorToken.text
    if (operator === ':' || operator === '=~' || operator === '!~') {
      throw unsupported(`the ${operator} operator`)
    }
    // The value: "quoted" | word ('.' word)*
    const valueToken = peek()
    if (!valueToken || (valueToken.kind !== 'word' && valueToken.kind !== 'string')) {
      if (valueToken?.kind === 'paren') throw unsupported('parentheses')
      throw syntaxError(valueToken ?? end())
    }
    let value = valueToken.text
    i++
    if (valueToken.kind === 'word') {
      while (peek()?.kind === 'dot' && tokens[i + 1]?.kind === 'word') {
        value += `.${tokens[i + 1]?.text ?? ''}`
        i += 2
      }
    }
    const field = toField(segments)
    if (!field) throw unsupported(`the field ${segments.join('.')}`)
    comparisons.push(checkedComparison(field, operator as ComparisonOperator, value))
  }
  return comparisons
}

function checkedComparison(
  field: FilterField,
  operator: ComparisonOperator,
  value: string
): Comparison {
  const ordered = field.name === 'severity' || field.name === 'timestamp'
  if (!ordered && operator !== '=' && operator !== '!=') {
    throw unsupported(`the ${operator} operator on ${field.name}`)
  }
  if (field.name === 'severity' && severityRank(value) === undefined) {
    // ASSUMPTION (wording): Logging's 400 for an unknown severity.
    throw new GoogleApiError('INVALID_ARGUMENT', `Invalid severity in filter: "${value}"`)
  }
  if (field.name === 'timestamp' && timestampMicros(value) === undefined) {
    // ASSUMPTION (wording): Logging's 400 for a timestamp it cannot read.
    throw new GoogleApiError('INVALID_ARGUMENT', `Invalid timestamp in filter: "${value}"`)
  }
  return { field, operator, value }
}

/** A severity's number from its name (any case) or number; undefined for neither. */
export function severityRank(value: string | null | undefined): number | undefined {
  if (value === undefined || value === null || value === '') return SEVERITIES['DEFAULT']
  if (/^\d+$/.test(value)) return Number(value)
  return SEVERITIES[value.toUpperCase()]
}

/** An RFC 3339 timestamp in microseconds since the epoch (fractions beyond 6 digits dropped). */
export function timestampMicros(value: string): number | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i.exec(
    value
  )
  if (!match?.[1] || !match[3]) return undefined
  const seconds = Date.parse(`${match[1]}${match[3].toUpperCase()}`)
  if (Number.isNaN(seconds)) return undefined
  const fraction = Number((match[2] ?? '').padEnd(6, '0').slice(0, 6))
  return seconds * 1000 + fraction
}

/** An RFC 3339 UTC timestamp with microseconds, as Logging renders LogEntry.timestamp. */
export function rfc3339Micros(micros: number): string {
  const whole = Math.round(micros)
  const seconds = Math.floor(whole / 1_000_000)
  const iso = new Date(seconds * 1000).toISOString()
  return `${iso.slice(0, 19)}.${String(whole - seconds * 1_000_000).padStart(6, '0')}Z`
}

function fieldValue(field: FilterField, entry: LogEntry): string | undefined {
  switch (field.name) {
    case 'resource.type':
      return entry.resource?.type ?? undefined
    case 'resource.labels':
      return entry.resource?.labels?.[field.key]
    case 'labels':
      return entry.labels?.[field.key]
    case 'logName':
      return entry.logName ?? undefined
    case 'insertId':
      return entry.insertId ?? undefined
    case 'textPayload':
      return entry.textPayload ?? undefined
    case 'severity':
      return entry.severity ?? 'DEFAULT'
    case 'timestamp':
      return entry.timestamp ?? undefined
  }
}

function compare(a: number, operator: ComparisonOperator, b: number): boolean {
  switch (operator) {
    case '=':
      return a === b
    case '!=':
      return a !== b
    case '>':
      return a > b
    case '>=':
      return a >= b
    case '<':
      return a < b
    case '<=':
      return a <= b
  }
}

/**
 * Whether `entry` satisfies every comparison. "String comparisons aren't case sensitive" (Logging query
 * language); a field the entry lacks equals nothing, so `!=` holds for it.
 */
export function matchesLogFilter(filter: LogFilter, entry: LogEntry): boolean {
  return filter.every(({ field, operator, value }) => {
    const actual = fieldValue(field, entry)
    if (field.name === 'severity') {
      return compare(severityRank(actual) ?? 0, operator, severityRank(value) ?? 0)
    }
    if (field.name === 'timestamp') {
      const micros = actual === undefined ? undefined : timestampMicros(actual)
      return micros !== undefined && compare(micros, operator, timestampMicros(value) ?? 0)
    }
    const equal = actual !== undefined && actual.toLowerCase() === value.toLowerCase()
    return operator === '=' ? equal : !equal
  })
}

/**
 * "Presently, the only permitted values are "timestamp asc" (default) and "timestamp desc"."
 * (ListLogEntriesRequest.order_by). ASSUMPTION: the wording of the 400 for another.
 */
export function parseOrderBy(orderBy: string | null | undefined): 'asc' | 'desc' {
  const normalized = (orderBy ?? '').trim().replace(/\s+/g, ' ').toLowerCase()
  if (normalized === '' || normalized === 'timestamp asc' || normalized === 'timestamp')
    return 'asc'
  if (normalized === 'timestamp desc') return 'desc'
  throw new GoogleApiError(
    'INVALID_ARGUMENT',
    `Invalid order_by "${orderBy ?? ''}": only "timestamp asc" and "timestamp desc" are supported.`
  )
}

/**
 * "Default is 50. If the value is negative, the request is rejected." (ListLogEntriesRequest.page_size);
 * a larger value than the maximum of 1000 is lowered to it (AIP-158: "If the user specifies a
 * page_size greater than the maximum permitted by the API, the API should coerce the value to the
 * maximum"). ASSUMPTION: the wording of the 400.
 */
export function effectivePageSize(pageSize: number | null | undefined): number {
  if (pageSize === undefined || pageSize === null || pageSize === 0) return 50
  if (!Number.isInteger(pageSize) || pageSize < 0) {
    throw new GoogleApiError('INVALID_ARGUMENT', `page_size must not be negative: ${pageSize}`)
  }
  return Math.min(pageSize, 1000)
}

// ---- the model -----------------------------------------------------------------------------------

interface StoredEntry {
  readonly entry: LogEntry
  /** LogEntry.timestamp in microseconds, the sort key with insertId. */
  readonly micros: number
  /** Emulator time from which entries.list shows it. */
  readonly visibleAt: number
  /** The project of its logName, as written there. */
  readonly project: string
}

interface PagePosition {
  readonly micros: number
  readonly insertId: string
  /** A digest of the query the token continues: another query cannot reuse it. */
  readonly query: string
}

/** `<8 hex digits of seconds><16 hex digits>`, the shape of the insertIds Cloud Run's entries carry. */
function newInsertId(ms: number): string {
  return `${Math.floor(ms / 1000)
    .toString(16)
    .padStart(8, '0')}${randomBytes(8).toString('hex')}`
}

function projectOfLogName(logName: string | null | undefined): string | undefined {
  return /^projects\/([^/]+)\/logs\/[^/]+$/.exec(logName ?? '')?.[1]
}

/**
 * Verified wording for a write (`Permission 'logging.logEntries.create' denied on resource (or it may
 * not exist).`, reason IAM_PERMISSION_DENIED: genkit-ai/genkit#3577, kubeflow/pipelines#12591).
 * ASSUMPTION: entries.list words its denial the same way.
 */
function listDenied(): GoogleApiError {
  return new GoogleApiError(
    'PERMISSION_DENIED',
    `Permission '${LIST_PERMISSION}' denied on resource (or it may not exist).`,
    [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'IAM_PERMISSION_DENIED',
        domain: 'iam.googleapis.com',
        metadata: { permission: LIST_PERMISSION }
      }
    ]
  )
}

export class LoggingModel {
  private readonly stored: StoredEntry[] = []
  private readonly settlers: (() => void)[] = []

  constructor(
    private readonly ctx: EmulatorContext,
    scenario: Pick<Scenario, 'logEntries'> = {}
  ) {
    // A scenario's entries were written long ago: visible at once.
    for (const entry of scenario.logEntries ?? []) this.add(entry, -Infinity, -Infinity)
  }

  /** A model whose state may write entries when it is next touched (Cloud Run settles lazily). */
  onRead(settle: () => void): void {
    this.settlers.push(settle)
  }

  /**
   * Writes entries as ingested at `writtenAt` (default now): each needs a `logName`; a missing
   * timestamp is `writtenAt`, and insertId and receiveTimestamp are filled in. They become visible to
   * entries.list `logIngestionDelayMs` later. Returns them as stored.
   */
  write(entries: readonly LogEntry[], writtenAt: number = this.ctx.now()): LogEntry[] {
    const visibleAt = writtenAt + this.ctx.options.logIngestionDelayMs
    return entries.map(entry => structuredClone(this.add(entry, writtenAt, visibleAt).entry))
  }

  /** Every entry written so far, visible or not, oldest first (for tests). */
  allEntries(): LogEntry[] {
    for (const settle of this.settlers) settle()
    return this.sorted(this.stored, 'asc').map(s => structuredClone(s.entry))
  }

  /** entries.list as a caller allowed to read every project would see it now. */
  list(request: ListLogEntriesRequest): ListLogEntriesResponse {
    for (const settle of this.settlers) settle()
    const projects = this.requestedProjects(request)
    const filter = parseLogFilter(request.filter ?? '')
    const order = parseOrderBy(request.orderBy)
    const pageSize = effectivePageSize(request.pageSize)
    const query = createHash('sha256')
      .update(JSON.stringify([[...projects].sort(), request.filter ?? '', order]))
      .digest('base64url')
      .slice(0, 16)
    const position = request.pageToken ? this.position(request.pageToken, query) : undefined
    const now = this.ctx.now()
    const matching = this.sorted(
      this.stored.filter(
        s =>
          s.visibleAt <= now &&
          projects.has(this.canonicalProject(s.project)) &&
          matchesLogFilter(filter, s.entry)
      ),
      order
    ).filter(s => !position || this.after(s, position, order))
    const page = matching.slice(0, pageSize)
    const last = page[page.length - 1]
    const response: ListLogEntriesResponse = {}
    // proto3 JSON omits an empty repeated field.
    if (page.length > 0) response.entries = page.map(s => structuredClone(s.entry))
    if (last && matching.length > page.length) {
      const next: PagePosition = { micros: last.micros, insertId: last.entry.insertId ?? '', query }
      response.nextPageToken = Buffer.from(JSON.stringify(next)).toString('base64url')
    }
    return response
  }

  routes(): Route[] {
    return [
      {
        method: 'POST',
        pattern: /^\/v2\/entries:list$/,
        name: 'logging.entries.list',
        handler: req => this.listRoute(req)
      }
    ]
  }

  private listRoute(req: EmulatorRequest): EmulatorResponse {
    const body = req.body ?? {}
    if (typeof body !== 'object' || Array.isArray(body)) {
      throw new GoogleApiError(
        'INVALID_ARGUMENT',
        'Invalid JSON payload received. Expected an object.'
      )
    }
    const request = body as ListLogEntriesRequest
    for (const project of this.requestedProjects(request)) {
      // Without credentials: the front end's 401, as for every Google API.
      if (!req.principal) this.ctx.authorize(req, LIST_PERMISSION, `projects/${project}`)
      if (!this.ctx.hasPermission(req.principal ?? '', LIST_PERMISSION, `projects/${project}`)) {
        throw listDenied()
      }
    }
    return { body: this.list(request) }
  }

  /** The project IDs a request reads: `resourceNames` (projects/P) and the deprecated `projectIds`. */
  private requestedProjects(request: ListLogEntriesRequest): Set<string> {
    const names = [
      ...(request.resourceNames ?? []),
      ...(request.projectIds ?? []).map(id => `projects/${id}`)
    ]
    if (names.length === 0) {
      // ASSUMPTION (wording): the standard violation for a required field.
      throw new GoogleApiError(
        'INVALID_ARGUMENT',
        'Violation in ListLogEntriesRequest.resource_names: required field not present.'
      )
    }
    const projects = new Set<string>()
    for (const name of names) {
      const project = /^projects\/([^/]+)$/.exec(name)?.[1]
      if (!project) {
        // Organizations, folders, billing accounts and log views are valid in Logging; not modelled.
        throw new GoogleApiError(
          'INVALID_ARGUMENT',
          `Unsupported resource name "${name}": the emulator reads projects/PROJECT_ID only.`
        )
      }
      projects.add(this.canonicalProject(project))
    }
    return projects
  }

  private canonicalProject(idOrNumber: string): string {
    try {
      return this.ctx.project(idOrNumber).projectId
    } catch {
      return idOrNumber
    }
  }

  private position(token: string, query: string): PagePosition {
    try {
      const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as PagePosition
      if (
        typeof parsed.micros === 'number' &&
        typeof parsed.insertId === 'string' &&
        parsed.query === query
      ) {
        return parsed
      }
    } catch {
      // Falls through to the 400.
    }
    // ASSUMPTION (wording): Logging's 400 for a page token that is not its own or another query's.
    throw new GoogleApiError('INVALID_ARGUMENT', `Invalid page token: ${token}`)
  }

  private after(entry: StoredEntry, position: PagePosition, order: 'asc' | 'desc'): boolean {
    const insertId = entry.entry.insertId ?? ''
    const later =
      entry.micros > position.micros ||
      (entry.micros === position.micros && insertId > position.insertId)
    const earlier =
      entry.micros < position.micros ||
      (entry.micros === position.micros && insertId < position.insertId)
    return order === 'asc' ? later : earlier
  }

  /** "Entries with equal timestamps are returned in order of their insert_id values." (order_by) */
  private sorted(entries: readonly StoredEntry[], order: 'asc' | 'desc'): StoredEntry[] {
    const sign = order === 'asc' ? 1 : -1
    return [...entries].sort((a, b) => {
      if (a.micros !== b.micros) return sign * (a.micros - b.micros)
      const ia = a.entry.insertId ?? ''
      const ib = b.entry.insertId ?? ''
      return sign * (ia < ib ? -1 : ia > ib ? 1 : 0)
    })
  }

  private add(input: LogEntry, writtenAt: number, visibleAt: number): StoredEntry {
    const project = projectOfLogName(input.logName)
    if (!project) {
      throw new Error(
        `A log entry needs a logName projects/P/logs/LOG_ID, got ${input.logName ?? ''}`
      )
    }
    const at = Number.isFinite(writtenAt) ? writtenAt : this.ctx.now()
    const entry: LogEntry = structuredClone(input)
    entry.timestamp ??= rfc3339Micros(at * 1000)
    const micros = timestampMicros(entry.timestamp)
    if (micros === undefined) throw new Error(`Not an RFC 3339 timestamp: ${entry.timestamp}`)
    entry.insertId ??= newInsertId(micros / 1000)
    entry.receiveTimestamp ??= rfc3339Micros(
      (Number.isFinite(visibleAt) ? visibleAt : Math.max(at, micros / 1000)) * 1000
    )
    const stored: StoredEntry = { entry, micros, visibleAt, project }
    this.stored.push(stored)
    return stored
  }
}
