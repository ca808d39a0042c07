/**
 * Direct workload identity federation (the workload_identity_provider input): GitHub's OIDC token,
 * exchanged at STS, optionally followed by impersonating service_account. Every token comes with its
 * real expiry: STS's `expires_in`, IAM Credentials' `expireTime`.
 */
import * as core from '@actions/core'
import type { Config } from '../config.js'
import { ActionError } from '../errors.js'
import { toGoogleCallError } from '../google/errors.js'
import { isRetryable } from '../google/retry.js'
import { unavailable } from './errors.js'
import { githubOidcToken } from './github.js'
import { exchangeToken, impersonate, JWT_TOKEN_TYPE } from './oauth.js'
import type { Source, TokenSource } from './token.js'

/** The lifetime asked of IAM Credentials: its maximum without an organisation policy that extends it. */
const IMPERSONATION_LIFETIME_S = 3600

export function federationSource(config: Config, provider: string): Source {
  const stsAudience = `//iam.${config.universe}/${provider}`
  // google-github-actions/auth's default audience, so one provider configuration serves both routes.
  const oidcAudience = `https://iam.${config.universe}/${provider}`
  let subject: string | undefined

  const source: TokenSource = async () => {
    // A new OIDC token each time: GitHub's live minutes, and STS refuses an expired one.
    const oidcToken = await githubOidcToken(oidcAudience)
    subject = jwtClaim(oidcToken, 'sub')
    const federated = await exchangeToken({
      tokenUrl: `${config.endpoints.STS}v1/token`,
      audience: stsAudience,
      subjectToken: oidcToken,
      subjectTokenType: JWT_TOKEN_TYPE
    }).catch((thrown: unknown) => {
      throw stsRefusal(thrown, provider)
    })
    if (!config.serviceAccount) return federated
    core.setSecret(federated.token)
    const email = config.serviceAccount
    return impersonate({
      url: `${config.endpoints.IAMCREDENTIALS}v1/projects/-/serviceAccounts/${encodeURIComponent(email)}:generateAccessToken`,
      bearer: federated.token,
      lifetimeSeconds: IMPERSONATION_LIFETIME_S
    }).catch((thrown: unknown) => {
      throw impersonationRefusal(thrown, email, provider)
    })
  }
  const pool = provider.replace(/\/providers\/[^/]+$/, '')
  return {
    source,
    principal: () =>
      config.serviceAccount
        ? `serviceAccount:${config.serviceAccount}`
        : subject && `principal://iam.googleapis.com/${pool}/subject/${subject}`,
    method: config.serviceAccount
      ? `workload identity federation (${provider}), impersonating ${config.serviceAccount}`
      : `workload identity federation (${provider})`
  }
}

function jwtClaim(jwt: string, claim: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'))
    const value = (payload as Record<string, unknown>)[claim]
    return typeof value === 'string' ? value : undefined
  } catch {
    return undefined
  }
}

function stsRefusal(thrown: unknown, provider: string): unknown {
  if (thrown instanceof ActionError) return thrown
  const error = toGoogleCallError('sts.token', thrown)
  if (isRetryable(error)) return unavailable(error)
  if (error.httpStatus === 0 || error.httpStatus >= 500) return error
  return new ActionError(
    `Google's Security Token Service refused the GitHub token for ${provider}: ${error.status}: ` +
      `${error.message}. Check that the provider exists, that its attribute condition admits this ` +
      'repository and workflow, and that its allowed audience is the default one.'
  )
}

function impersonationRefusal(thrown: unknown, email: string, provider: string): unknown {
  if (thrown instanceof ActionError) return thrown
  const error = toGoogleCallError('iamcredentials.generateAccessToken', thrown)
  if (isRetryable(error)) return unavailable(error)
  if (error.httpStatus !== 403 && error.httpStatus !== 404) return error
  const pool = provider.replace(/\/providers\/[^/]+$/, '')
  const repository = process.env.GITHUB_REPOSITORY ?? 'OWNER/REPO'
  const member = `principalSet://iam.googleapis.com/${pool}/attribute.repository/${repository}`
  return new ActionError(
    `Could not impersonate ${email}: ${error.message} The federated identity needs ` +
      `iam.serviceAccounts.getAccessToken on it. Fix: gcloud iam service-accounts add-iam-policy-binding ` +
      `${email} --role=roles/iam.workloadIdentityUser --member=${member}`
  )
}
