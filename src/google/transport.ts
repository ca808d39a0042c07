/**
 * How every Google API request travels: node:http(s) through a gaxios adapter (src/google/http.ts says
 * why not fetch), one timeout per attempt, and no retry below src/google/retry.ts.
 *
 * gaxios (under googleapis and google-auth-library) would otherwise send through fetch, load node-fetch
 * and a web-streams polyfill on Node (300 kB of bundle), and google-auth-library asks it to retry its own
 * token requests on any 5xx and 408, which would stack a second, different policy under ours. Proxies:
 * node:http honours HTTP(S)_PROXY / NO_PROXY under NODE_USE_ENV_PROXY=1, which src/proxy.ts arranges;
 * gaxios' own proxy agent is therefore switched off.
 *
 * google-auth-library itself is loaded on demand (a chunk of the bundle of its own): the token requests do
 * not need it, so it compiles while the first of them is on its way.
 */
import type { gaxios } from 'google-auth-library'
import { request } from './http.js'

export type AuthLibrary = typeof import('google-auth-library')

type Prepared = gaxios.GaxiosOptionsPrepared

/** The answer's body as gaxios would have read it for this responseType. */
function responseData(options: Prepared, contentType: string, body: Buffer): unknown {
  const text = () => body.toString('utf8')
  const json = () => {
    try {
      return JSON.parse(text()) as unknown
    } catch {
      return text()
    }
  }
  switch (options.responseType) {
    case 'json':
      return json()
    case 'text':
      return text()
    case 'arraybuffer':
      return body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)
    case 'stream':
    case 'blob':
      // Nothing in the action asks for these; a silent wrong shape would be worse than an error.
      throw new Error(
        `responseType ${options.responseType} is not supported by the action's transport`
      )
    default:
      if (/application\/json/i.test(contentType)) return json()
      return text()
  }
}

function bodyOf(body: unknown): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined
  if (typeof body === 'string' || body instanceof Uint8Array) return body
  if (body instanceof URLSearchParams) return body.toString()
  throw new Error(
    `a request body of type ${typeof body} is not supported by the action's transport`
  )
}

/** gaxios' adapter hook: the request over node:http, the answer in the shape gaxios builds from fetch's. */
const adapter = (async (options: Prepared) => {
  const headers: Record<string, string> = {}
  options.headers?.forEach((value, name) => (headers[name] = value))
  const answer = await request(options.url, {
    method: options.method ?? 'GET',
    headers,
    body: bodyOf(options.body),
    signal: options.signal ?? undefined
  })
  const responseHeaders = new Headers(answer.headers)
  const data = responseData(options, responseHeaders.get('content-type') ?? '', answer.body)
  return {
    config: options,
    data,
    status: answer.status,
    statusText: answer.statusText,
    ok: answer.status >= 200 && answer.status < 300,
    headers: responseHeaders,
    url: options.url.toString(),
    redirected: false,
    type: 'basic',
    bodyUsed: true
  } as unknown as gaxios.GaxiosResponse
}) as NonNullable<gaxios.GaxiosOptions['adapter']>

const defaults: gaxios.GaxiosOptions = {
  adapter,
  // gaxios would add an https-proxy-agent `agent`; node:http proxies instead (src/proxy.ts).
  noProxy: [/./],
  retry: false
}

/** The retry google-auth-library adds per request (its RETRY_CONFIG) is removed before it can apply. */
const noLibraryRetry = {
  resolved: async (config: gaxios.GaxiosOptionsPrepared) => {
    config.retry = false
    delete config.retryConfig
    return config
  }
}

let library: Promise<AuthLibrary> | undefined

/**
 * google-auth-library, loaded once. gcp-metadata (ADC on a Compute Engine runner) uses gaxios' shared
 * instance rather than a client's transporter: it gets the same adapter, with its own timeouts and
 * retries (the metadata server is local to the machine, not a Google API).
 */
export function loadAuthLibrary(): Promise<AuthLibrary> {
  library ??= import('google-auth-library').then(lib => {
    lib.gaxios.instance.defaults = { ...lib.gaxios.instance.defaults, adapter, noProxy: [/./] }
    return lib
  })
  return library
}

export function createTransporter(lib: AuthLibrary): gaxios.Gaxios {
  const transporter = new lib.gaxios.Gaxios(defaults)
  transporter.interceptors.request.add(noLibraryRetry)
  return transporter
}
