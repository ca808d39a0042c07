/**
 * One pull-request comment per deploy target, created once and then updated in place: found again by a
 * hidden marker and its author (src/github.ts). Nothing here can change the run's outcome: every
 * failure is a warning. Octokit is loaded only once a comment is certain to be attempted.
 */
import * as core from '@actions/core'
import { readFileSync } from 'node:fs'
import { isLoopbackHost } from '../endpoints.js'
import type { RunReport } from './report.js'
import { renderSummary } from './summary.js'

export function commentMarker(report: RunReport): string {
  const t = report.target
  return `<!-- cloud-run-deploy-action ${t.kind}/${t.name} ${t.projectId}/${t.regions.join(',')} -->`
}

const field = (value: unknown, key: string): unknown =>
  value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined

const positiveInteger = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined

/**
 * The pull request an event is about: `pull_request.number` for the pull_request* events
 * (pull_request, pull_request_target, pull_request_review, pull_request_review_comment), and
 * `issue.number` for an issue_comment on a pull request (its `issue.pull_request` is set).
 * Source: https://docs.github.com/en/webhooks/webhook-events-and-payloads
 */
export function pullRequestNumber(
  eventName: string | undefined,
  payload: unknown
): number | undefined {
  if (eventName?.startsWith('pull_request')) {
    return positiveInteger(field(field(payload, 'pull_request'), 'number'))
  }
  if (eventName === 'issue_comment' && field(field(payload, 'issue'), 'pull_request')) {
    return positiveInteger(field(field(payload, 'issue'), 'number'))
  }
  return undefined
}

/**
 * Why the token must not go to this API root, or undefined: it must be https, or plain http to this
 * machine only (a local stand-in), so the token never crosses a network in clear.
 */
export function apiUrlProblem(apiUrl: string): string | undefined {
  let url: URL
  try {
    url = new URL(apiUrl)
  } catch {
    return `GITHUB_API_URL ${apiUrl} is not a URL`
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    return undefined
  }
  return url.protocol === 'http:'
    ? `GITHUB_API_URL ${apiUrl} is plain http to another host: the token would cross the network unencrypted`
    : `GITHUB_API_URL ${apiUrl} is not an https URL`
}

/** The run's page (`$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID`), where its job summary is. */
export function runUrl(env: NodeJS.ProcessEnv): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: id } = env
  if (!server || !repository || !id) return undefined
  return `${server.replace(/\/+$/, '')}/${repository}/actions/runs/${id}`
}

function readEvent(path: string | undefined): unknown {
  if (!path) return undefined
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    return undefined
  }
}

/** Posts or updates the report's comment on the event's pull request; never throws. */
export async function upsertPullRequestComment(
  report: RunReport,
  token: string,
  env: NodeJS.ProcessEnv = process.env
): Promise<void> {
  try {
    const issueNumber = pullRequestNumber(env.GITHUB_EVENT_NAME, readEvent(env.GITHUB_EVENT_PATH))
    if (issueNumber === undefined) {
      core.info('pr_comment: not a pull-request event; no comment posted.')
      return
    }
    if (!token) {
      core.warning('pr_comment: github_token is empty; no comment posted.')
      return
    }
    const [owner, repo, ...rest] = (env.GITHUB_REPOSITORY ?? '').split('/')
    if (!owner || !repo || rest.length) {
      core.warning(`pr_comment: GITHUB_REPOSITORY is not OWNER/REPO; no comment posted.`)
      return
    }
    const apiUrl = env.GITHUB_API_URL || 'https://api.github.com'
    const problem = apiUrlProblem(apiUrl)
    if (problem) {
      core.warning(`pr_comment: ${problem}, so no comment was posted.`)
      return
    }
    const { upsertComment } = await import('../github.js')
    const outcome = await upsertComment({
      token,
      apiUrl,
      owner,
      repo,
      issueNumber,
      marker: commentMarker(report),
      markdown: renderSummary(report),
      runUrl: runUrl(env)
    })
    if (outcome.result === 'failed') {
      core.warning(outcome.warning)
      return
    }
    const verb = { created: 'created', updated: 'updated', unchanged: 'left unchanged' }[
      outcome.result
    ]
    core.info(`pr_comment: ${verb} comment ${outcome.id} on #${issueNumber}, as ${outcome.author}.`)
    if (outcome.shortened) {
      core.info(
        "pr_comment: the report is longer than a comment may be; the comment holds its head and links to the run's summary."
      )
    }
  } catch (error) {
    core.warning(
      `pr_comment: could not post the comment (${error instanceof Error ? error.message : String(error)}).`
    )
  }
}
