/**
 * GitHub's OIDC token, and what to tell a user when the runner offers none.
 *
 * GitHub's rules (https://docs.github.com/en/actions/reference/github_token-reference, "Permissions for
 * the GITHUB_TOKEN"): a job gets an OIDC token only with `permissions: id-token: write`, and pull requests
 * from public forks get at most `none` for id-token, whatever the workflow asks. `pull_request_target`
 * runs in the base repository's context with its permissions "even when it is triggered from a public
 * fork", so there a missing token can only mean the job was not given `id-token: write`.
 */
import * as core from '@actions/core'
import { readFileSync } from 'node:fs'
import { ActionError } from '../errors.js'
import { requestJson } from '../google/http.js'
import { isRetryable, withRetry } from '../google/retry.js'
import { toGoogleCallError } from '../google/errors.js'
import { isSecureUrl } from './credentialsFile.js'
import { unavailable } from './errors.js'

/**
 * GitHub's OIDC token, asked of the runner's token endpoint as core.getIDToken does, but under our retry
 * policy and without core's HTTP client (a second HTTP stack in the bundle). The runner's request token
 * goes only to the URL the runner gave with it.
 */
export async function githubOidcToken(audience: string): Promise<string> {
  const requestUrl = process.env.ACTIONS_ID_TOKEN_REQUEST_URL
  const requestToken = process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN
  if (!requestUrl || !requestToken) throw new ActionError(noOidcTokenMessage(runContext()))
  if (!isSecureUrl(requestUrl)) {
    throw new ActionError('ACTIONS_ID_TOKEN_REQUEST_URL is not an https URL; the runner sets it.')
  }
  const url = new URL(requestUrl)
  url.searchParams.set('audience', audience)
  try {
    const { value } = await withRetry('github.oidc.token', () =>
      requestJson<{ value?: unknown }>(url.href, {
        headers: { authorization: `Bearer ${requestToken}` }
      })
    )
    if (typeof value !== 'string' || !value) throw new Error('the answer holds no token')
    core.setSecret(value)
    return value
  } catch (thrown) {
    const error = toGoogleCallError('github.oidc.token', thrown)
    if (isRetryable(error)) throw unavailable(error)
    throw new ActionError(
      `GitHub refused to issue an OIDC token: ${error.message.split('\n')[0]}. ` +
        noOidcTokenMessage(runContext())
    )
  }
}

interface RepositoryRef {
  readonly full_name?: string
}

/** What the message depends on: the event and, for a pull request, where its head lives. */
export interface RunContext {
  readonly eventName: string | undefined
  /** GITHUB_REPOSITORY: the repository the workflow runs in. */
  readonly repository: string | undefined
  readonly event:
    | {
        readonly repository?: RepositoryRef
        readonly pull_request?: {
          /** null when the head repository was deleted (a deleted fork). */
          readonly head?: { readonly repo?: RepositoryRef | null }
          readonly base?: { readonly repo?: RepositoryRef | null }
        }
      }
    | undefined
}

function runContext(): RunContext {
  let event: RunContext['event']
  try {
    const path = process.env.GITHUB_EVENT_PATH
    event = path ? (JSON.parse(readFileSync(path, 'utf8')) as RunContext['event']) : undefined
  } catch {
    event = undefined
  }
  return {
    eventName: process.env.GITHUB_EVENT_NAME,
    repository: process.env.GITHUB_REPOSITORY,
    event
  }
}

/**
 * Events whose workflow runs in the pull request's head repository context, so with a read-only token and
 * no OIDC token when that head is a fork (GitHub's "Events that trigger workflows").
 */
const PULL_REQUEST_EVENTS = new Set([
  'pull_request',
  'pull_request_review',
  'pull_request_review_comment'
])

/**
 * Whether the pull request's head lives in another repository than its base. Not `head.repo.fork`: that
 * says the head repository is a fork of something, which is also true of a branch in a repository that
 * is itself a fork.
 */
export function isFromFork(context: RunContext): boolean {
  const pullRequest = context.event?.pull_request
  if (!pullRequest) return false
  const head = pullRequest.head?.repo
  // No head repository: it was deleted, so it was not the base repository (which still runs this).
  if (head === null) return true
  const base =
    pullRequest.base?.repo?.full_name ?? context.event?.repository?.full_name ?? context.repository
  if (!head?.full_name || !base) return false
  // GitHub's owner and repository names are case-insensitive.
  return head.full_name.toLowerCase() !== base.toLowerCase()
}

/** Why the runner offers no OIDC token, and what to do about it: one line. */
export function noOidcTokenMessage(context: RunContext): string {
  if (context.eventName === 'pull_request_target') {
    return (
      'GitHub provided no OIDC token. On pull_request_target the workflow runs in the base ' +
      "repository's context and GitHub does issue OIDC tokens, even for a pull request from a fork: " +
      'give the job `permissions: id-token: write` (and keep `contents: read`).'
    )
  }
  if (context.eventName && PULL_REQUEST_EVENTS.has(context.eventName) && isFromFork(context)) {
    const head = context.event?.pull_request?.head?.repo?.full_name
    return (
      `GitHub gives no OIDC token to workflows of pull requests from forks (this ${context.eventName} ` +
      `comes from ${head ?? 'a deleted fork'}), so this run cannot authenticate. Deploy from a push, ` +
      'or from a pull request from a branch of this repository, instead.'
    )
  }
  return 'GitHub provided no OIDC token: give the job `permissions: id-token: write` (and keep `contents: read`).'
}
