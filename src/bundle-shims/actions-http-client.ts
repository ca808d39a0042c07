/**
 * @actions/core imports its HTTP client (and a copy of undici, 350 kB) for core.getIDToken alone. The
 * action fetches the OIDC token itself (src/auth.ts) and ESLint forbids core.getIDToken. @actions/github
 * builds one at import to ask for the proxy agent and dispatcher of octokit's defaults: it gets none,
 * because src/github.ts gives octokit Node's own fetch, which proxies by itself as every other request
 * of the action does (src/proxy.ts). Anything else says it is not bundled instead of misbehaving.
 */
const NOT_BUNDLED =
  '@actions/http-client is not bundled: use fetch (see src/bundle-shims/actions-http-client.ts)'

export class HttpClient {
  getAgent(): undefined {
    return undefined
  }

  getAgentDispatcher(): undefined {
    return undefined
  }

  request(): never {
    throw new Error(NOT_BUNDLED)
  }

  getJson(): never {
    throw new Error(NOT_BUNDLED)
  }
}

export class BearerCredentialHandler {
  constructor() {
    throw new Error(NOT_BUNDLED)
  }
}
