/**
 * One pull-request comment per deploy target, created once and then updated in place: found again by a
 * hidden marker, so reruns never stack comments. A token without `pull-requests: write` is a warning.
 */
import * as core from '@actions/core'
import { getOctokit } from '../github.js'
import { readFileSync } from 'node:fs'
import type { RunReport } from './report.js'
import { renderSummary } from './summary.js'

export function commentMarker(report: RunReport): string {
  const t = report.target
  return `<!-- cloud-run-deploy-action ${t.kind}/${t.name} ${t.projectId}/${t.region} -->`
}

function pullRequestNumber(env: NodeJS.ProcessEnv): number | undefined {
  if (!env.GITHUB_EVENT_NAME?.startsWith('pull_request') || !env.GITHUB_EVENT_PATH) return undefined
  try {
    const event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as {
      pull_request?: { number?: number }
    }
    return event.pull_request?.number
  } catch {
    return undefined
  }
}

export async function upsertPullRequestComment(
  report: RunReport,
  token: string,
  env: NodeJS.ProcessEnv = process.env
): Promise<void> {
  const issue_number = pullRequestNumber(env)
  if (issue_number === undefined) {
    core.info('pr_comment: not a pull-request event; no comment posted.')
    return
  }
  if (!token) {
    core.warning('pr_comment: github_token is empty; no comment posted.')
    return
  }
  const [owner = '', repo = ''] = (env.GITHUB_REPOSITORY ?? '').split('/')
  const marker = commentMarker(report)
  const body = `${marker}\n${renderSummary(report)}`
  const octokit = getOctokit(token, { baseUrl: env.GITHUB_API_URL ?? 'https://api.github.com' })
  try {
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      owner,
      repo,
      issue_number,
      per_page: 100
    })
    const existing = comments.find(c => c.body?.startsWith(marker))
    if (existing) {
      await octokit.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body })
      core.info(`pr_comment: updated comment ${existing.id} on #${issue_number}.`)
    } else {
      const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number, body })
      core.info(`pr_comment: created comment ${data.id} on #${issue_number}.`)
    }
  } catch (thrown) {
    const status = (thrown as { status?: number }).status
    const hint =
      status === 403 || status === 404
        ? ' Give the job `permissions: pull-requests: write` to let it comment.'
        : ''
    core.warning(
      `pr_comment: could not post the comment (${status ?? 'network'}: ${(thrown as Error).message}).${hint}`
    )
  }
}
