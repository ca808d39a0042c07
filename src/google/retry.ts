import { GoogleCallError, toGoogleCallError } from './errors.js'

/** The one retry policy for every Google call: transient statuses and dropped connections only. */
export interface RetryPolicy {
  readonly maxAttempts: number
  readonly initialDelayMs: number
  readonly maxDelayMs: number
  /** Give up when the next wait would end past this budget, measured from the first attempt. */
  readonly totalBudgetMs: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  initialDelayMs: 250,
  maxDelayMs: 8000,
  totalBudgetMs: 30000
}

const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504])
const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
  'NETWORK_ERROR'
])

export function isRetryable(error: GoogleCallError): boolean {
  return error.httpStatus === 0
    ? RETRYABLE_NETWORK_CODES.has(error.status)
    : RETRYABLE_STATUSES.has(error.httpStatus)
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

/**
 * Runs an idempotent call, retrying transient failures with full-jitter exponential backoff and honouring
 * Retry-After. Callers must not wrap a non-idempotent create: re-read it instead.
 */
export async function withRetry<T>(
  call: string,
  attempt: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY
): Promise<T> {
  const started = Date.now()
  for (let n = 1; ; n++) {
    try {
      return await attempt()
    } catch (thrown) {
      const error = toGoogleCallError(call, thrown)
      if (!isRetryable(error) || n >= policy.maxAttempts) throw error
      const backoff = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (n - 1))
      const wait = Math.max(Math.random() * backoff, (error.retryAfterSeconds ?? 0) * 1000)
      if (Date.now() - started + wait > policy.totalBudgetMs) throw error
      await sleep(wait)
    }
  }
}
