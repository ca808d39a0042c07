/**
 * The one retry policy: which failures are retried, how long it waits (never before Retry-After), and that
 * it gives up within its attempts and its time budget.
 */
import { ActionError } from '../../src/errors.js'
import { GoogleCallError, toGoogleCallError } from '../../src/google/errors.js'
import { isRetryable, retryDelayMs, withRetry, type RetryPolicy } from '../../src/google/retry.js'

const httpError = (status: number, headers: Record<string, string> = {}) =>
  Object.assign(new Error(`HTTP ${status}`), {
    response: { status, data: { error: { code: status, message: 'm', status: 'S' } }, headers }
  })

/** fetch's shape for a reset: TypeError('fetch failed') caused by a socket error with a code. */
const reset = () =>
  new TypeError('fetch failed', {
    cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })
  })

const FAST: RetryPolicy = { maxAttempts: 4, initialDelayMs: 1, maxDelayMs: 2, totalBudgetMs: 5000 }

describe('isRetryable', () => {
  test.each([429, 500, 502, 503, 504])('HTTP %i is retried', status => {
    expect(isRetryable(toGoogleCallError('c', httpError(status)))).toBe(true)
  })
  test.each([400, 401, 403, 404, 409, 412, 501])('HTTP %i is not', status => {
    expect(isRetryable(toGoogleCallError('c', httpError(status)))).toBe(false)
  })
  test('a connection reset, found in the cause chain, is retried', () => {
    const error = toGoogleCallError('c', reset())
    expect(error.status).toBe('UND_ERR_SOCKET')
    expect(error.message).toBe('other side closed')
    expect(isRetryable(error)).toBe(true)
  })
  test('an error that is no network failure is not (a bug is not retried)', () => {
    expect(isRetryable(toGoogleCallError('c', new TypeError('x is undefined')))).toBe(false)
  })
})

describe('retryDelayMs', () => {
  test('never earlier than Retry-After, in seconds or as an HTTP date', () => {
    const seconds = toGoogleCallError('c', httpError(429, { 'retry-after': '3' }))
    expect(retryDelayMs(FAST, 1, seconds)).toBe(3000)
    const date = new Date(Date.now() + 5000).toUTCString()
    const dated = toGoogleCallError('c', httpError(503, { 'retry-after': date }))
    expect(retryDelayMs(FAST, 1, dated)).toBeGreaterThan(3000)
  })
  test('full jitter within the exponential step, capped', () => {
    const error = new GoogleCallError('c', 503, 'UNAVAILABLE', 'm')
    const policy = { ...FAST, initialDelayMs: 100, maxDelayMs: 400 }
    for (let n = 1; n <= 6; n++) {
      const delay = retryDelayMs(policy, n, error)
      expect(delay).toBeGreaterThanOrEqual(0)
      expect(delay).toBeLessThanOrEqual(Math.min(400, 100 * 2 ** (n - 1)))
    }
  })
})

describe('withRetry', () => {
  test('transient failures, then success', async () => {
    let calls = 0
    const result = await withRetry(
      'c',
      async () => {
        calls++
        if (calls < 3) throw calls === 1 ? httpError(503) : reset()
        return 'ok'
      },
      FAST
    )
    expect(result).toBe('ok')
    expect(calls).toBe(3)
  })
  test('gives up after the attempts, with an error naming the call', async () => {
    let calls = 0
    const failing = withRetry(
      'run.services.get',
      async () => {
        calls++
        throw httpError(503)
      },
      FAST
    )
    await expect(failing).rejects.toMatchObject({ call: 'run.services.get', httpStatus: 503 })
    expect(calls).toBe(FAST.maxAttempts)
  })
  test('a Retry-After beyond the time budget fails at once rather than late', async () => {
    let calls = 0
    const started = Date.now()
    const failing = withRetry(
      'c',
      async () => {
        calls++
        throw httpError(429, { 'retry-after': '60' })
      },
      FAST
    )
    await expect(failing).rejects.toBeInstanceOf(GoogleCallError)
    expect(calls).toBe(1)
    expect(Date.now() - started).toBeLessThan(1000)
  })
  test('4xx other than 429 is not retried; an ActionError passes through untouched', async () => {
    let calls = 0
    await expect(
      withRetry(
        'c',
        async () => {
          calls++
          throw httpError(409)
        },
        FAST
      )
    ).rejects.toMatchObject({ httpStatus: 409 })
    expect(calls).toBe(1)
    const own = new ActionError('said plainly')
    await expect(withRetry('c', async () => Promise.reject(own), FAST)).rejects.toBe(own)
  })
})
