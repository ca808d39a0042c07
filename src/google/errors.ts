/**
 * One shape for every failed Google call, whichever client made it (googleapis, or a plain request
 * through the auth client): HTTP status, Google's status name and message, and — when the API says so in
 * an ErrorInfo detail (reason IAM_PERMISSION_DENIED) — the permission and resource that were denied.
 */
export class GoogleCallError extends Error {
  override readonly name = 'GoogleCallError'
  constructor(
    /** What the action was doing, e.g. `run.services.get`. */
    readonly call: string,
    /** HTTP status; 0 when no response arrived (reset, refused, timed out). */
    readonly httpStatus: number,
    /** Google's status name (`PERMISSION_DENIED`, `ABORTED`, ...) or the network error code. */
    readonly status: string,
    message: string,
    readonly deniedPermission?: string,
    readonly deniedResource?: string,
    /** Seconds from a Retry-After header, when the server sent one. */
    readonly retryAfterSeconds?: number
  ) {
    super(message)
  }
}

interface ErrorInfoDetail {
  '@type'?: string
  reason?: string
  metadata?: Record<string, string>
}

interface GoogleErrorBody {
  error?: { code?: number; message?: string; status?: string; details?: ErrorInfoDetail[] } | string
  error_description?: string
}

/** Duck-typed view of a GaxiosError (googleapis and google-auth-library both throw it). */
interface ResponseLike {
  status?: number
  data?: unknown
  headers?: Headers | Record<string, string>
}

function headerValue(headers: ResponseLike['headers'], name: string): string | undefined {
  if (!headers) return undefined
  if (typeof (headers as Headers).get === 'function')
    return (headers as Headers).get(name) ?? undefined
  return (headers as Record<string, string>)[name]
}

function parseBody(data: unknown): GoogleErrorBody | undefined {
  if (typeof data === 'string') {
    try {
      return JSON.parse(data) as GoogleErrorBody
    } catch {
      return undefined
    }
  }
  return data && typeof data === 'object' ? (data as GoogleErrorBody) : undefined
}

interface Chained {
  code?: unknown
  name?: unknown
  message?: unknown
  cause?: unknown
}

/** The error and its causes, outermost first (fetch and gaxios each wrap the socket's error). */
function causes(thrown: unknown): Chained[] {
  const chain: Chained[] = []
  for (let e = thrown; e && typeof e === 'object' && chain.length < 5; e = (e as Chained).cause) {
    chain.push(e as Chained)
  }
  return chain
}

/**
 * A code for a failure without an HTTP answer: the socket's (ECONNRESET, UND_ERR_SOCKET, ...) wherever
 * in the cause chain it sits, TimeoutError for a timed-out attempt, NETWORK_ERROR for fetch's generic
 * failures; UNKNOWN otherwise, which is not retried (it is more likely a bug than a network).
 */
function networkCode(thrown: unknown): string {
  const chain = causes(thrown)
  const code = chain.map(e => e.code).find(c => typeof c === 'string' && c !== 'AbortError')
  if (typeof code === 'string') return code
  if (chain.some(e => e.name === 'TimeoutError')) return 'TimeoutError'
  const fetchFailure = chain.some(
    e =>
      typeof e.message === 'string' && /^(fetch failed|terminated)$|socket|network/i.test(e.message)
  )
  return fetchFailure ? 'NETWORK_ERROR' : 'UNKNOWN'
}

/** The innermost message that says something (`fetch failed` alone does not). */
function networkMessage(thrown: unknown): string {
  const messages = causes(thrown)
    .map(e => (typeof e.message === 'string' ? e.message : ''))
    .filter(Boolean)
  return messages.find(m => !/^(fetch failed|terminated)$/.test(m)) ?? messages[0] ?? String(thrown)
}

/** Turns whatever a client threw into a GoogleCallError; `call` names the API method for messages. */
export function toGoogleCallError(call: string, thrown: unknown): GoogleCallError {
  if (thrown instanceof GoogleCallError) return thrown
  const err = thrown as { response?: ResponseLike } | undefined
  const response = err?.response
  if (!response?.status) {
    return new GoogleCallError(call, 0, networkCode(thrown), networkMessage(thrown))
  }
  const body = parseBody(response.data)
  const error = typeof body?.error === 'object' ? body.error : undefined
  const info = error?.details?.find(d => d.reason === 'IAM_PERMISSION_DENIED')
  const retryAfter = retryAfterSeconds(headerValue(response.headers, 'retry-after'))
  const message =
    error?.message ??
    [typeof body?.error === 'string' ? body.error : undefined, body?.error_description]
      .filter(Boolean)
      .join(': ') ??
    `HTTP ${response.status}`
  return new GoogleCallError(
    call,
    response.status,
    error?.status ?? (typeof body?.error === 'string' ? body.error : `HTTP_${response.status}`),
    message || `HTTP ${response.status}`,
    info?.metadata?.permission,
    info?.metadata?.resource,
    retryAfter
  )
}

/** Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
function retryAfterSeconds(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds : undefined
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000)
}
