/**
 * A runner on Google Cloud (a self-hosted runner on a Compute Engine VM or a GKE node) authenticates as
 * its VM's service account, through the metadata server. Anywhere else there is no metadata server, and
 * asking for one costs a probe that google-auth-library reports with a MetadataLookupWarning when it
 * fails in an unexpected way (gcp-metadata 9, build/src/index.js: isAvailable): so the action asks only
 * when the runner says it is on Google Cloud.
 */
import type { AuthLibrary } from '../google/transport.js'
import { withRetry } from '../google/retry.js'
import { clock } from '../clock.js'
import { ActionError } from '../errors.js'
import { CLOUD_PLATFORM_SCOPE, expiryFrom } from './oauth.js'
import type { Token } from './token.js'

/**
 * Whether to ask the metadata server for credentials, decided without a request:
 * - GCE_METADATA_HOST or GCE_METADATA_IP names one (gcp-metadata's overrides; the emulator sets it);
 * - METADATA_SERVER_DETECTION, gcp-metadata's switch, is honoured: `assume-present` and `ping-only` ask
 *   (asking for the token is the ping), `none` does not, `bios-only` goes by the machine;
 * - otherwise the machine says so: gcp-metadata's residency check (a Google BIOS vendor on Linux, a
 *   `42:01` MAC address, or the variables Cloud Run and Cloud Functions set), which reads local files
 *   only. ASSUMPTION: a runner in a container on a VM still sees the VM's /sys/class/dmi (Docker mounts
 *   /sys read-only by default), so a containerised self-hosted runner on Compute Engine is detected.
 */
export function expectMetadataServer(
  env: NodeJS.ProcessEnv,
  onGoogleCloud: () => boolean
): boolean {
  if (env.GCE_METADATA_HOST || env.GCE_METADATA_IP) return true
  switch (env.METADATA_SERVER_DETECTION?.trim().toLowerCase()) {
    case 'assume-present':
    case 'ping-only':
      return true
    case 'none':
      return false
    default:
      return onGoogleCloud()
  }
}

/**
 * The VM service account's token. The metadata server hands out its cached token with whatever lifetime
 * is left ("caches access tokens until they have 5 minutes of remaining time before they expire",
 * https://cloud.google.com/compute/docs/access/authenticate-workloads#applications), so `expires_in` is
 * taken as given, not assumed to be a full hour. The same request google-auth-library's Compute client
 * makes (build/src/auth/computeclient.js, refreshTokenNoCache), without its Date.now() expiry.
 */
export async function metadataToken(lib: AuthLibrary): Promise<Token> {
  const answer = await withRetry('metadata.token', () =>
    lib.gcpMetadata.instance<{ access_token?: unknown; expires_in?: unknown }>({
      property: 'service-accounts/default/token',
      params: { scopes: CLOUD_PLATFORM_SCOPE }
    })
  )
  if (typeof answer?.access_token !== 'string' || !answer.access_token) {
    throw new ActionError('The metadata server returned no access token.')
  }
  return { token: answer.access_token, expiresAt: expiryFrom(clock.now(), answer.expires_in) }
}
