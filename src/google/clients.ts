/**
 * Typed googleapis clients, one per API family, each from its own file (the googleapis root costs a
 * 38 MB bundle and 0.7 s of start; REFERENCE.md), all sharing the run's credentials and endpoints.
 * googleapis' own retry is switched off: src/google/retry.ts is the one retry policy.
 */
import type { OAuth2Client } from 'google-auth-library'
import type { artifactregistry_v1 } from 'googleapis/build/src/apis/artifactregistry/v1.js'
import type { cloudresourcemanager_v1 } from 'googleapis/build/src/apis/cloudresourcemanager/v1.js'
import type { cloudresourcemanager_v3 } from 'googleapis/build/src/apis/cloudresourcemanager/v3.js'
import type { iam_v1 } from 'googleapis/build/src/apis/iam/v1.js'
import type { policytroubleshooter_v3 } from 'googleapis/build/src/apis/policytroubleshooter/v3.js'
import type { run_v2 } from 'googleapis/build/src/apis/run/v2.js'
import type { Endpoints } from '../endpoints.js'

export interface GoogleClients {
  readonly run: run_v2.Run
  readonly artifactRegistry: artifactregistry_v1.Artifactregistry
  readonly resourceManager: cloudresourcemanager_v1.Cloudresourcemanager
  /** v3 for folders' and organisations' policies (v1 has no folders). */
  readonly resourceManagerV3: cloudresourcemanager_v3.Cloudresourcemanager
  readonly iam: iam_v1.Iam
  readonly troubleshooter: policytroubleshooter_v3.Policytroubleshooter
  /** The auth client, for the few calls googleapis cannot build (e.g. nested package names). */
  readonly auth: OAuth2Client
  readonly endpoints: Endpoints
}

let apis: Promise<typeof import('./apis.js')> | undefined
const loadApis = () => (apis ??= import('./apis.js'))

/**
 * Starts loading the clients' code, once, and Node's Headers class (gaxios builds every request's headers
 * with it; it is compiled on first use): called while authentication waits on the network, so both
 * compile then rather than on the way of a request. A failure surfaces in createClients.
 */
export function preloadClients(): void {
  loadApis().catch(() => {})
  void new Headers()
}

export async function createClients(
  auth: OAuth2Client,
  endpoints: Endpoints,
  universe: string
): Promise<GoogleClients> {
  const {
    artifactregistry_v1,
    cloudresourcemanager_v1,
    cloudresourcemanager_v3,
    iam_v1,
    policytroubleshooter_v3,
    run_v2
  } = await loadApis()
  const options = (rootUrl: string) => ({ auth, rootUrl, retry: false, universeDomain: universe })
  return {
    run: new run_v2.Run(options(endpoints.RUN)),
    artifactRegistry: new artifactregistry_v1.Artifactregistry(options(endpoints.ARTIFACTREGISTRY)),
    resourceManager: new cloudresourcemanager_v1.Cloudresourcemanager(
      options(endpoints.CLOUDRESOURCEMANAGER)
    ),
    resourceManagerV3: new cloudresourcemanager_v3.Cloudresourcemanager(
      options(endpoints.CLOUDRESOURCEMANAGER)
    ),
    iam: new iam_v1.Iam(options(endpoints.IAM)),
    troubleshooter: new policytroubleshooter_v3.Policytroubleshooter(
      options(endpoints.POLICYTROUBLESHOOTER)
    ),
    auth,
    endpoints
  }
}
