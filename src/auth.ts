/**
 * Credentials for every Google call: direct workload identity federation from GitHub's OIDC token
 * (src/auth/federation.ts), or Application Default Credentials (src/auth/adc.ts): the file
 * google-github-actions/auth leaves, any other credentials file, or a Google Cloud runner's metadata
 * server. Either way the result is one OAuth2Client (src/auth/client.ts) that masks every token before
 * use and replaces it before it expires, on the action's clock.
 */
import type { OAuth2Client } from 'google-auth-library'
import type { Config } from './config.js'
import { afterFirstRequest } from './google/http.js'
import { loadAuthLibrary } from './google/transport.js'
import { applicationDefaultSource } from './auth/adc.js'
import { createTokenClient } from './auth/client.js'
import { federationSource } from './auth/federation.js'

export interface Credentials {
  readonly client: OAuth2Client
  /** The IAM member the action acts as, when it can be known without a call. */
  readonly principal: string | undefined
  /** How the action authenticated, in words, for the summary. */
  readonly method: string
}

/** Authenticates and fetches the first token, so that an auth failure ends the run before any check. */
export async function authenticate(config: Config): Promise<Credentials> {
  const { source, principal, method } = config.workloadIdentityProvider
    ? federationSource(config, config.workloadIdentityProvider)
    : applicationDefaultSource(config)

  // The first token request leaves before google-auth-library (needed only for the client that carries
  // the token) is compiled; the library compiles while the answer is on its way.
  const first = source()
  afterFirstRequest(() => void loadAuthLibrary().catch(() => {}))
  const token = await first
  const lib = await loadAuthLibrary()
  return {
    client: createTokenClient(lib, config.universe, source, token),
    principal: principal(),
    method
  }
}
