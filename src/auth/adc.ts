/**
 * Application Default Credentials: the file GOOGLE_APPLICATION_CREDENTIALS names (what
 * google-github-actions/auth leaves behind), else gcloud's user credentials, else — on a runner that is on
 * Google Cloud — the metadata server.
 *
 * Each kind of file is read here and its tokens fetched by src/auth/oauth.ts, with their real expiry on
 * the action's clock. google-auth-library is used only where a credential source needs its machinery (an
 * AWS-signed request, an executable, a file, each through its client's own constructor), and only for the
 * subject token: the exchange and the impersonation are ours, so that the token URLs are checked against
 * the configured endpoints first, for every kind. Nothing here goes through GoogleAuth, whose
 * `credentials` option and fromJSON print deprecation warnings (google-auth-library 11,
 * build/src/auth/googleauth.js) and whose client lookup probes the metadata server and may run
 * `gcloud config config-helper` to find a project the action already knows.
 */
import * as core from '@actions/core'
import type {
  AwsClientOptions,
  BaseExternalAccountClient,
  IdentityPoolClientOptions,
  PluggableAuthClientOptions
} from 'google-auth-library'
import type { Config } from '../config.js'
import { ActionError } from '../errors.js'
import { toGoogleCallError } from '../google/errors.js'
import { requestJson } from '../google/http.js'
import { isRetryable, withRetry } from '../google/retry.js'
import { createTransporter, loadAuthLibrary, type AuthLibrary } from '../google/transport.js'
import {
  classifyCredentials,
  findCredentialsFile,
  impersonatedEmail,
  isSecureUrl,
  readCredentialsFile,
  tokenUrlProblem,
  type CredentialKind,
  type CredentialsFile
} from './credentialsFile.js'
import { unavailable } from './errors.js'
import { expectMetadataServer, metadataToken } from './metadata.js'
import {
  exchangeToken,
  GOOGLE_TOKEN_URI,
  impersonate,
  JWT_TOKEN_TYPE,
  parsePrivateKey,
  refreshTokenGrant,
  serviceAccountToken
} from './oauth.js'
import type { Source, TokenSource } from './token.js'

/** IAM Credentials' maximum without an organisation policy that extends it, and its default. */
const IMPERSONATION_LIFETIME_S = 3600

const NO_CREDENTIALS =
  'No Google credentials found. Either run google-github-actions/auth before this step, or set the ' +
  'workload_identity_provider input (and give the job `permissions: id-token: write`).'

export function applicationDefaultSource(config: Config): Source {
  const found = findCredentialsFile(process.env)
  if (!found) return metadataServerSource()
  const file = readCredentialsFile(found.path, found.from)
  const { source, principal, kind } = fileSource(config, found.path, file)
  return {
    source: async () => {
      try {
        return await source()
      } catch (thrown) {
        throw adcError(found.path, kind, thrown)
      }
    },
    principal: () => principal,
    method: `Application Default Credentials (${file.type} from ${found.from})`
  }
}

interface FileSource {
  readonly source: TokenSource
  readonly principal: string | undefined
  readonly kind: CredentialKind
}

/**
 * The token source of one credentials file. Everything that can be checked without a request is checked
 * here, before the first token is read or sent: the kind, the universe, the token URLs, the key.
 */
function fileSource(config: Config, path: string, file: CredentialsFile): FileSource {
  const fail = (reason: string) =>
    new ActionError(`The credentials in ${path} cannot be used: ${reason}`)
  const classified = classifyCredentials(file)
  if ('unsupported' in classified) throw fail(`${classified.unsupported}.`)
  const { kind } = classified
  if (file.universe_domain && file.universe_domain !== config.universe) {
    throw fail(
      `they are for the universe ${file.universe_domain}, and the action is configured for ` +
        `${config.universe} (the universe input).`
    )
  }
  const problem = tokenUrlProblem(file, kind, config.endpoints)
  if (problem) throw fail(problem)
  const required = (fields: (keyof CredentialsFile)[]) => {
    const missing = fields.filter(f => typeof file[f] !== 'string' || !file[f])
    if (missing.length) throw fail(`${file.type} credentials need ${missing.join(', ')}.`)
  }
  const tokenUri = (value: string | undefined) => {
    const uri = value ?? GOOGLE_TOKEN_URI
    if (!isSecureUrl(uri))
      throw fail(`token_uri ${uri} is not https (http only on loopback hosts).`)
    return uri
  }

  switch (kind) {
    case 'service_account': {
      required(['client_email', 'private_key'])
      const email = file.client_email ?? ''
      const privateKey = parsePrivateKey(file.private_key ?? '')
      if (!privateKey) throw fail('its private_key is not a PEM private key.')
      // token_uri: every key file names it (https://google.aip.dev/auth/4112); honoured as Google's other
      // libraries do (google-auth-library-python, service_account.Credentials.from_service_account_info).
      const key = {
        email,
        privateKey,
        keyId: file.private_key_id,
        tokenUri: tokenUri(file.token_uri)
      }
      return {
        kind,
        principal: `serviceAccount:${email}`,
        source: () => serviceAccountToken(key, config.universe)
      }
    }
    case 'authorized_user': {
      required(['client_id', 'client_secret', 'refresh_token'])
      // gcloud writes no token_uri; Google's Python library honours one (credentials.Credentials.
      // from_authorized_user_info), and so does the action.
      const grant = {
        tokenUri: tokenUri(file.token_uri),
        refreshToken: file.refresh_token ?? '',
        clientId: file.client_id ?? '',
        clientSecret: file.client_secret ?? '',
        clientAuthentication: 'body' as const
      }
      return { kind, principal: undefined, source: () => refreshTokenGrant(grant) }
    }
    case 'external_account_authorized_user': {
      required(['client_id', 'client_secret', 'refresh_token', 'token_url'])
      // STS's oauthtoken endpoint, with the client in HTTP Basic (google-auth-library,
      // build/src/auth/externalAccountAuthorizedUserClient.js).
      const grant = {
        tokenUri: file.token_url ?? '',
        refreshToken: file.refresh_token ?? '',
        clientId: file.client_id ?? '',
        clientSecret: file.client_secret ?? '',
        clientAuthentication: 'basic' as const
      }
      return { kind, principal: undefined, source: () => refreshTokenGrant(grant) }
    }
    case 'impersonated_service_account': {
      const url = file.service_account_impersonation_url ?? ''
      const email = impersonatedEmail(url)
      if (!email) throw fail(`service_account_impersonation_url ${url} names no service account.`)
      const nested = file.source_credentials
      if (!nested || typeof nested !== 'object') throw fail('it has no source_credentials.')
      if (nested.type === 'impersonated_service_account') {
        throw fail(
          'its source_credentials are themselves impersonated; name the delegates instead.'
        )
      }
      const inner = fileSource(config, path, nested)
      const delegates = delegateNames(file.delegates ?? [])
      return {
        kind,
        principal: `serviceAccount:${email}`,
        source: async () => {
          const sourceToken = await inner.source()
          core.setSecret(sourceToken.token)
          return impersonate({
            url,
            bearer: sourceToken.token,
            lifetimeSeconds: IMPERSONATION_LIFETIME_S,
            delegates
          })
        }
      }
    }
    default:
      return externalAccountSource(kind, file, fail)
  }
}

/**
 * IAM Credentials wants each delegate as `projects/-/serviceAccounts/EMAIL`. ASSUMPTION: a bare email in an
 * impersonated_service_account file's `delegates` means that service account (gcloud's
 * --impersonate-service-account takes a comma-separated chain of emails).
 */
export function delegateNames(delegates: readonly string[]): string[] {
  return delegates.map(d => (d.includes('/') ? d : `projects/-/serviceAccounts/${d}`))
}

/** workload (and workforce) identity federation from a file: the subject token, STS, impersonation. */
function externalAccountSource(
  kind: CredentialKind,
  file: CredentialsFile,
  fail: (reason: string) => ActionError
): FileSource {
  if (!file.audience) throw fail('it has no audience (the workload identity provider).')
  const audience = file.audience
  const tokenUrl = file.token_url ?? ''
  const impersonationUrl = file.service_account_impersonation_url
  const email = impersonatedEmail(impersonationUrl)
  if (impersonationUrl !== undefined && !email) {
    throw fail(`service_account_impersonation_url ${impersonationUrl} names no service account.`)
  }
  const lifetime =
    file.service_account_impersonation?.token_lifetime_seconds ?? IMPERSONATION_LIFETIME_S
  const subject =
    kind === 'external_account_url' ? urlSubjectToken(file, fail) : librarySubjectToken(kind, file)
  const client =
    file.client_id && file.client_secret
      ? { id: file.client_id, secret: file.client_secret }
      : undefined

  return {
    kind,
    principal: email ? `serviceAccount:${email}` : undefined,
    source: async () => {
      const subjectToken = await subject()
      core.setSecret(subjectToken)
      const federated = await exchangeToken({
        tokenUrl,
        audience,
        subjectToken,
        subjectTokenType: file.subject_token_type ?? JWT_TOKEN_TYPE,
        userProject: file.workforce_pool_user_project,
        client
      })
      if (impersonationUrl === undefined) return federated
      core.setSecret(federated.token)
      return impersonate({
        url: impersonationUrl,
        bearer: federated.token,
        lifetimeSeconds: lifetime
      })
    }
  }
}

/** What google-github-actions/auth writes: the runner's OIDC endpoint, asked with its bearer header. */
function urlSubjectToken(
  file: CredentialsFile,
  fail: (reason: string) => ActionError
): () => Promise<string> {
  const source = file.credential_source ?? {}
  const url = source.url ?? ''
  if (!isSecureUrl(url)) {
    throw fail(`credential_source.url ${url} is not https (http only on loopback hosts).`)
  }
  const format = source.format?.type ?? 'text'
  if (format !== 'json' && format !== 'text') {
    throw fail(`credential_source.format.type ${format} is neither json nor text.`)
  }
  const field = source.format?.subject_token_field_name ?? 'value'
  return () =>
    withRetry('credential_source.url', async () => {
      const answer = await requestJson<Record<string, unknown> | string>(url, {
        headers: source.headers ?? {},
        responseType: format === 'text' ? 'text' : 'json'
      })
      const value = typeof answer === 'string' ? answer.trim() : answer?.[field]
      if (typeof value !== 'string' || !value) {
        throw new ActionError('credential_source.url answered without a subject token.')
      }
      return value
    })
}

/**
 * A file, an executable or AWS: the subject token from google-auth-library's client for that source,
 * built with its own constructor (no warning; ExternalAccountClient.fromJSON warns). Only its
 * retrieveSubjectToken is called: the client never exchanges or impersonates.
 */
function librarySubjectToken(kind: CredentialKind, file: CredentialsFile): () => Promise<string> {
  let client: BaseExternalAccountClient | undefined
  const create = (lib: AuthLibrary): BaseExternalAccountClient => {
    const options = { ...file, transporter: createTransporter(lib) }
    switch (kind) {
      case 'external_account_aws':
        return new lib.AwsClient(options as unknown as AwsClientOptions)
      case 'external_account_executable':
        return new lib.PluggableAuthClient(options as unknown as PluggableAuthClientOptions)
      default:
        return new lib.IdentityPoolClient(options as unknown as IdentityPoolClientOptions)
    }
  }
  return async () => {
    client ??= create(await loadAuthLibrary())
    const source = client
    return withRetry('credential_source', () => source.retrieveSubjectToken())
  }
}

const HINTS: Readonly<Record<CredentialKind, string>> = {
  service_account:
    'Check that the key is still active (not deleted or disabled) and that its service account exists.',
  authorized_user:
    'Run `gcloud auth application-default login` again: the refresh token may have expired or been revoked.',
  impersonated_service_account:
    'Check that the source credentials hold roles/iam.serviceAccountTokenCreator on the service account.',
  external_account_url:
    'Check the workload identity provider and service account given to google-github-actions/auth.',
  external_account_file:
    'Check the workload identity provider, its attribute condition, and the service account the file names.',
  external_account_executable:
    'Check the executable (GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1 lets it run), the workload identity provider and the service account the file names.',
  external_account_aws:
    'Check the AWS credentials of the runner, the workload identity provider and the service account the file names.',
  external_account_authorized_user:
    'Sign in again with `gcloud auth application-default login` and your workforce login configuration.'
}

function adcError(path: string, kind: CredentialKind, thrown: unknown): ActionError {
  if (thrown instanceof ActionError) return thrown
  const error = toGoogleCallError('authenticate', thrown)
  if (isRetryable(error)) return unavailable(error)
  const status = error.httpStatus === 0 ? '' : `${error.status}: `
  return new ActionError(
    `Authenticating with the credentials in ${path} failed: ${error.call}: ${status}` +
      `${error.message.split('\n')[0]}. ${HINTS[kind]}`
  )
}

/** No credentials file: the metadata server if the runner is on Google Cloud, else a clear failure. */
function metadataServerSource(): Source {
  let lib: AuthLibrary | undefined
  let expected: boolean | undefined
  return {
    source: async () => {
      lib ??= await loadAuthLibrary()
      const library = lib
      expected ??= expectMetadataServer(process.env, () => library.gcpMetadata.getGCPResidency())
      if (!expected) throw new ActionError(NO_CREDENTIALS)
      try {
        return await metadataToken(library)
      } catch (thrown) {
        throw metadataError(thrown)
      }
    },
    principal: () => undefined,
    method: "Application Default Credentials (the metadata server of the runner's VM)"
  }
}

function metadataError(thrown: unknown): ActionError {
  if (thrown instanceof ActionError) return thrown
  const error = toGoogleCallError('metadata.token', thrown)
  if (error.httpStatus === 0 && isRetryable(error)) {
    return new ActionError(
      `${NO_CREDENTIALS} (There is no credentials file, and the metadata server did not answer: ` +
        `${error.status}.)`
    )
  }
  if (isRetryable(error)) return unavailable(error)
  return new ActionError(
    `The metadata server refused an access token: ${error.status}: ${error.message.split('\n')[0]}. ` +
      "Check the VM's service account and that its access scopes include cloud-platform."
  )
}
