/**
 * Every HTTP request the action makes to Google goes out through node:http(s): the token requests
 * (GitHub's OIDC endpoint, STS, IAM Credentials) through requestJson, and every googleapis /
 * google-auth-library call through the gaxios adapter in src/google/transport.ts.
 *
 * Why not fetch: Node's fetch (undici) costs far more CPU per request than node:http. Measured here
 * (Node 24.9, 15 sequential GETs to a loopback server): 0.35 s of CPU with fetch against 0.16 s with
 * node:http, for a run that makes about as many calls. It is also compiled on first use, on the way of
 * the first request. Proxies: node:http(s) honours HTTP(S)_PROXY and NO_PROXY under NODE_USE_ENV_PROXY=1,
 * which src/proxy.ts arranges.
 *
 * Failures throw in the shapes toGoogleCallError reads: `{ response: { status, data, headers } }` for an
 * HTTP error (requestJson), a `code` (ECONNRESET, ETIMEDOUT, MALFORMED_RESPONSE, ...) when no usable
 * answer arrived.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'

/** One attempt's limit. Long enough for operations.wait (asked for at most a few seconds at a time). */
export const REQUEST_TIMEOUT_MS = 60_000

export interface HttpRequest {
  readonly method?: string
  readonly headers?: Readonly<Record<string, string>>
  /** Sent as is; set content-type in `headers`. */
  readonly body?: string | Uint8Array
  readonly signal?: AbortSignal
  readonly timeoutMs?: number
}

export interface HttpResponse {
  readonly status: number
  readonly statusText: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: Buffer
}

let firstSent = false
const waiting: (() => void)[] = []

/**
 * Runs `work` once the run's first request is on the wire (or at once, if it already is): CPU work that
 * is needed later then overlaps the wait for the first answer instead of delaying it.
 */
export function afterFirstRequest(work: () => void): void {
  if (firstSent) setImmediate(work)
  else waiting.push(work)
}

function sent(): void {
  if (firstSent) return
  firstSent = true
  for (const work of waiting.splice(0)) setImmediate(work)
}

const errorWithCode = (message: string, code: string) => Object.assign(new Error(message), { code })

function headersOf(raw: IncomingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return headers
}

/** One request and its whole answer, whatever the status; rejects only when no full answer arrived. */
export function request(url: string | URL, init: HttpRequest = {}): Promise<HttpResponse> {
  const target = typeof url === 'string' ? new URL(url) : url
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise<HttpResponse>((resolve, reject) => {
    if (init.signal?.aborted) return reject(init.signal.reason)
    const body = typeof init.body === 'string' ? Buffer.from(init.body) : init.body
    const req = send(
      target,
      {
        method: init.method ?? 'GET',
        headers: {
          ...init.headers,
          ...(body === undefined ? {} : { 'content-length': String(body.byteLength) })
        },
        timeout: init.timeoutMs ?? REQUEST_TIMEOUT_MS,
        signal: init.signal
      },
      response => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('error', reject)
        // 'aborted' + 'close' without 'end': the connection dropped mid-answer.
        response.on('close', () => {
          if (!response.complete)
            reject(
              errorWithCode(`the connection to ${target.host} dropped mid-answer`, 'ECONNRESET')
            )
        })
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            statusText: response.statusMessage ?? '',
            headers: headersOf(response.headers),
            body: Buffer.concat(chunks)
          })
        )
      }
    )
    req.on('timeout', () =>
      req.destroy(errorWithCode(`no answer from ${target.host} in time`, 'ETIMEDOUT'))
    )
    req.on('error', reject)
    // On the wire once the socket connects: the request, buffered until then, is written first.
    req.on('socket', socket => (socket.connecting ? socket.once('connect', sent) : sent()))
    req.end(body)
  })
}

export interface JsonRequest {
  readonly method?: 'GET' | 'POST'
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
  /** `text` returns the body as it came (a credential source in text format). */
  readonly responseType?: 'json' | 'text'
}

/** A JSON (or text) answer; an HTTP error status throws `{ response: { status, data, headers } }`. */
export async function requestJson<T>(url: string, init: JsonRequest = {}): Promise<T> {
  const response = await request(url, {
    method: init.method,
    body: init.body,
    headers: {
      accept: init.responseType === 'text' ? '*/*' : 'application/json',
      ...init.headers
    }
  })
  const text = response.body.toString('utf8')
  if (response.status < 200 || response.status >= 300) {
    throw Object.assign(new Error(`HTTP ${response.status}`), {
      response: { status: response.status, data: text, headers: response.headers }
    })
  }
  if (init.responseType === 'text') return text as T
  try {
    return JSON.parse(text) as T
  } catch {
    throw errorWithCode(`the answer from ${new URL(url).host} is not JSON`, 'MALFORMED_RESPONSE')
  }
}
