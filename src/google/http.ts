/**
 * JSON over node:http(s), for the token requests (GitHub's OIDC endpoint, STS, IAM Credentials).
 *
 * Why not fetch: Node compiles its fetch implementation (undici) on first use, about 25 ms, and the token
 * requests come first. Sent this way, the first request leaves as soon as the inputs are read, and the
 * compilation happens while its answer is on the way (afterFirstRequest). Proxies: node:http(s) honours
 * HTTP(S)_PROXY under NODE_USE_ENV_PROXY=1 like fetch does (src/proxy.ts).
 *
 * Failures throw in the shapes toGoogleCallError reads: `{ response: { status, data, headers } }` for an
 * HTTP error, a `code` (ECONNRESET, ETIMEDOUT, MALFORMED_RESPONSE, ...) when no usable answer arrived.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { REQUEST_TIMEOUT_MS } from './transport.js'

export interface JsonRequest {
  readonly method?: 'GET' | 'POST'
  readonly headers?: Readonly<Record<string, string>>
  /** Sent as is; set content-type in `headers`. */
  readonly body?: string
  /** `text` returns the body as it came (a credential source in text format). */
  readonly responseType?: 'json' | 'text'
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

export function requestJson<T>(url: string, init: JsonRequest = {}): Promise<T> {
  const target = new URL(url)
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise<T>((resolve, reject) => {
    const request = send(
      target,
      {
        method: init.method ?? 'GET',
        headers: {
          accept: init.responseType === 'text' ? '*/*' : 'application/json',
          ...init.headers,
          ...(init.body === undefined
            ? {}
            : { 'content-length': String(Buffer.byteLength(init.body)) })
        },
        timeout: REQUEST_TIMEOUT_MS
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
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          const status = response.statusCode ?? 0
          if (status < 200 || status >= 300) {
            const error = new Error(`HTTP ${status}`)
            reject(
              Object.assign(error, {
                response: { status, data: text, headers: headersOf(response.headers) }
              })
            )
            return
          }
          if (init.responseType === 'text') return resolve(text as T)
          try {
            resolve(JSON.parse(text) as T)
          } catch {
            reject(
              errorWithCode(`the answer from ${target.host} is not JSON`, 'MALFORMED_RESPONSE')
            )
          }
        })
      }
    )
    request.on('timeout', () =>
      request.destroy(errorWithCode(`no answer from ${target.host} in time`, 'ETIMEDOUT'))
    )
    request.on('error', reject)
    // On the wire once the socket connects: the request, buffered until then, is written first.
    request.on('socket', socket => (socket.connecting ? socket.once('connect', sent) : sent()))
    request.end(init.body)
  })
}
