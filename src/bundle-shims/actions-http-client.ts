/**
 * @actions/core imports its HTTP client (and a copy of undici, 350 kB) for core.getIDToken alone. The
 * action fetches the OIDC token itself (src/auth.ts) and ESLint forbids core.getIDToken, so this is never
 * constructed; if it ever were, it says so instead of misbehaving.
 */
const NOT_BUNDLED =
  '@actions/http-client is not bundled: use fetch (see src/bundle-shims/actions-http-client.ts)'

export class HttpClient {
  constructor() {
    throw new Error(NOT_BUNDLED)
  }
}

export class BearerCredentialHandler {
  constructor() {
    throw new Error(NOT_BUNDLED)
  }
}
