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

/** Turns whatever a client threw into a GoogleCallError; `call` names the API method for messages. */
export function toGoogleCallError(call: string, thrown: unknown): GoogleCallError {
  if (thrown instanceof GoogleCallError) return thrown
  const err = thrown as {
    response?: ResponseLike
    code?: string | number
    message?: string
    cause?: { code?: string }
  }
  const response = err?.response
  if (!response?.status) {
    // fetch reports the socket's error code on `cause`; gaxios on the error itself.
    const code = [err?.code, err?.cause?.code].find(c => typeof c === 'string') ?? 'NETWORK_ERROR'
    return new GoogleCallError(call, 0, code, err?.message ?? String(thrown))
  }
  const body = parseBody(response.data)
  const error = typeof body?.error === 'object' ? body.error : undefined
  const info = error?.details?.find(d => d.reason === 'IAM_PERMISSION_DENIED')
  const retryAfter = Number(headerValue(response.headers, 'retry-after'))
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
    Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined
  )
}
