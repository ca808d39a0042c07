/**
 * The one retry policy for every Google call (and GitHub's OIDC token endpoint): transient statuses and
 * dropped connections only, full-jitter exponential backoff, Retry-After honoured, bounded in attempts and
 * in total time. Other 4xx answers are never retried: they would fail the same way again. (409 is retried
 * only by the IAM read-modify-write in src/iam/grant.ts, which re-reads first.)
 */
import * as core from '@actions/core'
import { ActionError } from '../errors.js'
import { GoogleCallError, toGoogleCallError } from './errors.js'
import { clock } from '../clock.js'

export interface RetryPolicy {
  readonly maxAttempts: number
  readonly initialDelayMs: number
  readonly maxDelayMs: number
  /** Give up when the next wait would end past this budget, measured from the first attempt. */
  readonly totalBudgetMs: number
}

/**
 * Five attempts over at most 30 s: enough to ride out a blip or a rolling restart, short enough that an
 * outage fails the run in well under a minute rather than burning the user's CI time.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  initialDelayMs: 250,
  maxDelayMs: 8000,
  totalBudgetMs: 30000
}

const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504])
/** Failures with no HTTP answer at all: the request may not have arrived, or its answer was lost. */
const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'TimeoutError',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
  'NETWORK_ERROR',
  // A 2xx whose body is cut short or is not JSON: the answer was lost on the way.
  'MALFORMED_RESPONSE'
])

export function isRetryable(error: GoogleCallError): boolean {
  return error.httpStatus === 0
    ? RETRYABLE_NETWORK_CODES.has(error.status)
    : RETRYABLE_STATUSES.has(error.httpStatus)
}

/** The wait before attempt `n + 1`: full jitter over the exponential step, but never before Retry-After. */
export function retryDelayMs(policy: RetryPolicy, n: number, error: GoogleCallError): number {
  const backoff = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (n - 1))
  return Math.max(Math.random() * backoff, (error.retryAfterSeconds ?? 0) * 1000)
}

/**
 * Runs an idempotent call, retrying transient failures. Throws a GoogleCallError naming `call` (an
 * ActionError thrown inside passes through untouched). Callers must not wrap a non-idempotent create:
 * re-read it instead (src/deploy/runApi.ts).
 */
export async function withRetry<T>(
  call: string,
  attempt: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY
): Promise<T> {
  const started = clock.now()
  for (let n = 1; ; n++) {
    try {
      return await attempt()
    } catch (thrown) {
      if (thrown instanceof ActionError) throw thrown
      const error = toGoogleCallError(call, thrown)
      if (!isRetryable(error) || n >= policy.maxAttempts) throw error
      const wait = retryDelayMs(policy, n, error)
      // A Retry-After longer than the budget is the server saying "not soon": fail now, not later.
      if (clock.now() - started + wait > policy.totalBudgetMs) throw error
      await waitBeforeRetry(error, n, wait)
    }
  }
}

/** Sleeps before attempt `n + 1`, saying so in the step's debug log (ACTIONS_STEP_DEBUG). */
export async function waitBeforeRetry(
  error: GoogleCallError,
  n: number,
  waitMs: number
): Promise<void> {
  const retryAfter =
    error.retryAfterSeconds === undefined ? '' : `, Retry-After ${error.retryAfterSeconds} s`
  core.debug(
    `${error.call}: ${error.status} on attempt ${n}${retryAfter}; retrying in ${Math.round(waitMs)} ms.`
  )
  await clock.sleep(waitMs)
}
