/**
 * How every Google API request travels: Node's own fetch, one timeout per attempt, and no retry below
 * src/google/retry.ts.
 *
 * gaxios (under googleapis and google-auth-library) otherwise loads node-fetch and a web-streams polyfill
 * on Node (300 kB of bundle and part of the start), and google-auth-library asks it to retry its own
 * token requests (STS, impersonation, the OIDC subject token) on any 5xx and 408, which would stack a
 * second, different policy under ours. Proxies: Node's fetch honours HTTP(S)_PROXY / NO_PROXY when
 * started with NODE_USE_ENV_PROXY=1, which src/proxy.ts arranges; gaxios' own proxy agent is therefore
 * switched off, as it would be ignored by Node's fetch anyway.
 *
 * google-auth-library itself is loaded on demand (a chunk of the bundle of its own): the token requests do
 * not need it (src/google/http.ts), so it compiles while the first of them is on its way.
 */
import type { gaxios } from 'google-auth-library'

export type AuthLibrary = typeof import('google-auth-library')

/** One attempt's limit. Long enough for operations.wait (asked for at most 10 s at a time). */
export const REQUEST_TIMEOUT_MS = 60_000

const defaults: gaxios.GaxiosOptions = {
  fetchImplementation: (input, init) => fetch(input, init),
  // gaxios would add an https-proxy-agent `agent`, which Node's fetch ignores; Node proxies instead.
  noProxy: [/./],
  timeout: REQUEST_TIMEOUT_MS,
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
 * instance rather than a client's transporter: it gets Node's fetch too, with its own timeouts and
 * retries (the metadata server is local to the machine, not a Google API).
 */
export function loadAuthLibrary(): Promise<AuthLibrary> {
  library ??= import('google-auth-library').then(lib => {
    const { fetchImplementation, noProxy } = defaults
    lib.gaxios.instance.defaults = { ...lib.gaxios.instance.defaults, fetchImplementation, noProxy }
    return lib
  })
  return library
}

export function createTransporter(lib: AuthLibrary): gaxios.Gaxios {
  const transporter = new lib.gaxios.Gaxios(defaults)
  transporter.interceptors.request.add(noLibraryRetry)
  return transporter
}
