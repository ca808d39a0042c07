/**
 * Application Default Credentials files: where ADC finds one, what kind of credentials it holds, and
 * whether the token URLs it names are the ones the action was configured to reach. Pure, but for reading
 * the file.
 *
 * The formats are Google's: https://google.aip.dev/auth/4112 (service-account keys), 4113 (gcloud's user
 * credentials, authorized_user), 4117 (external_account: workload and workforce identity federation),
 * and google-auth-library 11's readers of each (build/src/auth/googleauth.js, fromJSON).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { isLoopbackHost, type Endpoints } from '../endpoints.js'
import { ActionError } from '../errors.js'

export interface CredentialSource {
  readonly url?: string
  readonly headers?: Readonly<Record<string, string>>
  readonly format?: { readonly type?: string; readonly subject_token_field_name?: string }
  readonly file?: string
  readonly environment_id?: string
  readonly executable?: unknown
  readonly certificate?: unknown
}

/** The fields of every kind the action reads; a file holds those of its `type`. */
export interface CredentialsFile {
  readonly type?: string
  readonly universe_domain?: string
  // service_account
  readonly client_email?: string
  readonly private_key?: string
  readonly private_key_id?: string
  readonly token_uri?: string
  // authorized_user, external_account_authorized_user (and an external_account's client)
  readonly client_id?: string
  readonly client_secret?: string
  readonly refresh_token?: string
  // external_account, external_account_authorized_user
  readonly audience?: string
  readonly subject_token_type?: string
  readonly token_url?: string
  readonly credential_source?: CredentialSource
  readonly workforce_pool_user_project?: string
  // external_account, impersonated_service_account
  readonly service_account_impersonation_url?: string
  readonly service_account_impersonation?: { readonly token_lifetime_seconds?: number }
  // impersonated_service_account
  readonly source_credentials?: CredentialsFile
  readonly delegates?: readonly string[]
}

export type CredentialKind =
  | 'service_account'
  | 'authorized_user'
  | 'impersonated_service_account'
  | 'external_account_url'
  | 'external_account_file'
  | 'external_account_executable'
  | 'external_account_aws'
  | 'external_account_authorized_user'

/** What the action can do with a file: its kind, or why it cannot use it. */
export type Classified = { readonly kind: CredentialKind } | { readonly unsupported: string }

const SUPPORTED =
  'service_account, authorized_user, impersonated_service_account, external_account or ' +
  'external_account_authorized_user'

/**
 * The kind of credentials a file holds. An external_account's kind follows its credential_source, in
 * google-auth-library's order (build/src/auth/externalclient.js, fromJSON): AWS by environment_id, then an
 * executable, then a file, a URL or a certificate (build/src/auth/identitypoolclient.js).
 */
export function classifyCredentials(file: CredentialsFile): Classified {
  switch (file.type) {
    case 'service_account':
    case 'authorized_user':
    case 'impersonated_service_account':
    case 'external_account_authorized_user':
      return { kind: file.type }
    case 'external_account': {
      const source = file.credential_source ?? {}
      if (source.environment_id !== undefined) {
        return /^aws\d+$/.test(source.environment_id)
          ? { kind: 'external_account_aws' }
          : {
              unsupported: `its credential_source.environment_id ${source.environment_id} is not an AWS one`
            }
      }
      if (source.executable !== undefined) return { kind: 'external_account_executable' }
      if (source.file !== undefined) return { kind: 'external_account_file' }
      if (source.url !== undefined) return { kind: 'external_account_url' }
      if (source.certificate !== undefined) {
        // X.509 federation needs a client-certificate agent on every token request, which the action's
        // transport (src/google/http.ts) does not carry.
        return {
          unsupported:
            'it uses X.509 certificate federation, which this action does not support. Use GitHub OIDC ' +
            'federation (google-github-actions/auth, or the workload_identity_provider input)'
        }
      }
      return {
        unsupported: 'its credential_source names no url, file, executable or environment_id'
      }
    }
    case 'gdch_service_account':
      return {
        unsupported:
          'its credentials are for Google Distributed Cloud (gdch_service_account), not Cloud Run'
      }
    default:
      return {
        unsupported: `its type is ${file.type === undefined ? 'missing' : JSON.stringify(file.type)}; expected ${SUPPORTED}`
      }
  }
}

/**
 * Whether `url` lies under the endpoint root `root`: same scheme, host and port, no user information, and
 * a path inside the root's.
 */
export function isUnderRoot(url: string, root: string): boolean {
  let target: URL
  let base: URL
  try {
    target = new URL(url)
    base = new URL(root)
  } catch {
    return false
  }
  if (target.username || target.password) return false
  if (target.protocol !== base.protocol || target.host !== base.host) return false
  const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`
  // The parsed path: `..` segments are already resolved, so they cannot climb out of the root's path.
  return target.pathname.startsWith(basePath)
}

/** A URL a token may travel to: https, or http to a loopback host (the local emulator). */
export function isSecureUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))
  } catch {
    return false
  }
}

/** The token URLs a kind of file names, each with the API whose endpoint it must lie under. */
function tokenUrlsOf(
  file: CredentialsFile,
  kind: CredentialKind
): { field: string; value: string | undefined; api: 'STS' | 'IAMCREDENTIALS' }[] {
  const impersonation = {
    field: 'service_account_impersonation_url',
    value: file.service_account_impersonation_url,
    api: 'IAMCREDENTIALS' as const
  }
  const sts = { field: 'token_url', value: file.token_url, api: 'STS' as const }
  if (kind.startsWith('external_account_') && kind !== 'external_account_authorized_user') {
    return file.service_account_impersonation_url === undefined ? [sts] : [sts, impersonation]
  }
  if (kind === 'external_account_authorized_user') return [sts]
  if (kind === 'impersonated_service_account') return [impersonation]
  return []
}

/**
 * Why a file's token URLs cannot be used, or undefined. SECURITY.md promises that a subject token, a
 * federated token or a refresh token goes only to the configured STS and IAM Credentials endpoints
 * (`CLOUDSDK_API_ENDPOINT_OVERRIDES_STS` / `_IAMCREDENTIALS`, or `https://sts.<universe>/` ...): checked
 * for every kind, before any token is read or sent.
 */
export function tokenUrlProblem(
  file: CredentialsFile,
  kind: CredentialKind,
  endpoints: Endpoints
): string | undefined {
  for (const { field, value, api } of tokenUrlsOf(file, kind)) {
    const root = endpoints[api]
    if (value !== undefined && isUnderRoot(value, root)) continue
    return (
      `${field} ${value ?? '(none)'} is not under ${root}; no token is sent there. If that endpoint ` +
      `is right, set CLOUDSDK_API_ENDPOINT_OVERRIDES_${api} to its root.`
    )
  }
  return undefined
}

/** The service account a `.../serviceAccounts/EMAIL:generateAccessToken` URL impersonates. */
export function impersonatedEmail(url: string | undefined): string | undefined {
  const match = url?.match(/\/serviceAccounts\/([^/:]+):generateAccessToken$/)?.[1]
  if (!match) return undefined
  try {
    return decodeURIComponent(match)
  } catch {
    return undefined
  }
}

/**
 * Where gcloud leaves user credentials (`gcloud auth application-default login`), which ADC reads when
 * GOOGLE_APPLICATION_CREDENTIALS is unset: CLOUDSDK_CONFIG, else %APPDATA%\gcloud on Windows and
 * ~/.config/gcloud elsewhere (google-auth-library, googleauth.js: _tryGetApplicationCredentialsFromWellKnownFile).
 */
export function wellKnownCredentialsPath(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform
): string | undefined {
  const dir =
    env.CLOUDSDK_CONFIG ||
    (platform === 'win32'
      ? env.APPDATA && join(env.APPDATA, 'gcloud')
      : env.HOME && join(env.HOME, '.config', 'gcloud'))
  return dir ? join(dir, 'application_default_credentials.json') : undefined
}

/** The ADC file: GOOGLE_APPLICATION_CREDENTIALS's, else gcloud's when there is one. */
export function findCredentialsFile(
  env: NodeJS.ProcessEnv
): { readonly path: string; readonly from: string } | undefined {
  const named = env.GOOGLE_APPLICATION_CREDENTIALS
  if (named) return { path: named, from: 'GOOGLE_APPLICATION_CREDENTIALS' }
  const wellKnown = wellKnownCredentialsPath(env, process.platform)
  return wellKnown && existsSync(wellKnown)
    ? { path: wellKnown, from: "gcloud's application_default_credentials.json" }
    : undefined
}

export function readCredentialsFile(path: string, from: string): CredentialsFile {
  let file: unknown
  try {
    file = JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    file = undefined
  }
  if (!file || typeof file !== 'object' || Array.isArray(file)) {
    throw new ActionError(
      `${from} names ${path}, which is not a readable JSON credentials file. ` +
        'Run google-github-actions/auth before this step, or set workload_identity_provider.'
    )
  }
  return file as CredentialsFile
}
