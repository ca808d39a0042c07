/**
 * pr_comment: true, end to end against the emulator and a stand-in GitHub API: one comment per deploy
 * target, created once and then updated in place (found by its hidden marker, however many comments the
 * pull request has), a token that may not write is a warning, and text from an API error cannot inject
 * Markdown, HTML or mentions into the comment.
 */
import { startGitHubApi, type GitHubApi } from '../../emulator/github.js'
import { variant } from '../../emulator/scenarios/helpers.js'
import { IMAGE, PROVIDER, seed } from '../../emulator/scenarios/seed.js'
import type { Emulator } from '../../emulator/server.js'
import { startTestEmulator } from '../harness/emulator.js'
import { runAction, type ActionRun } from '../harness/runAction.js'
import { baseInputs, errors, report, runAsDeployer, warnings } from './permissions-support.js'

const TOKEN = 'ghs_prCommentTestToken0123456789abcdef'
const MARKER = '<!-- cloud-run-deploy-action service/api myproject-a/asia-northeast1 -->'
const TABLE_HEADER = '| Result | Principal | Permission | Resource | Details |'
const PULL_REQUEST = {
  pull_request: { number: 7 },
  repository: { full_name: 'octo-org/octo-repo' }
}

let emulator: Emulator
let github: GitHubApi
beforeEach(async () => {
  emulator = await startTestEmulator(seed)
  github = await startGitHubApi(TOKEN)
})
afterEach(async () => {
  await emulator.close()
  await github.close()
})

function runOnPullRequest(inputs: Record<string, string> = {}): Promise<ActionRun> {
  return runAsDeployer(
    emulator,
    {
      ...baseInputs(),
      image: `${IMAGE}:v1`,
      dry_run: 'true',
      pr_comment: 'true',
      github_token: TOKEN,
      ...inputs
    },
    { eventName: 'pull_request', event: PULL_REQUEST, env: { GITHUB_API_URL: github.url } }
  )
}

/** Someone else's comments, enough to push the action's onto a second page of the list. */
function addOtherComments(count: number) {
  for (let i = 0; i < count; i++) {
    github.comments.push({
      id: i + 1,
      body: i === 0 ? '<!-- another bot -->\nSomething else' : `review comment ${i}`,
      issueNumber: 7,
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z'
    })
  }
}

const ours = () => github.comments.filter(c => c.body.startsWith(MARKER))

/** Cells of a Markdown table row, split on the pipes that are not escaped. */
const cells = (line: string) => line.split(/(?<!\\)\|/).length - 2

describe('pr_comment', () => {
  test('created once on the first run, updated in place on the second, never duplicated', async () => {
    addOtherComments(105)
    const first = await runOnPullRequest()
    expect(first.exitCode).toBe(0)
    expect(first.stderr).toBe('')
    expect(ours()).toHaveLength(1)
    const [created] = ours()
    expect(created?.issueNumber).toBe(7)
    expect(created?.body).toContain('## Cloud Run deploy (dry run): `api`')
    expect(created?.body).toContain(TABLE_HEADER)
    expect(created?.body).toContain(`${IMAGE}:v1`)
    expect(first.stdout).toContain(`pr_comment: created comment ${created?.id} on #7.`)
    expect(warnings(first).filter(w => w.message.startsWith('pr_comment'))).toEqual([])

    const second = await runOnPullRequest({ image: `${IMAGE}:latest` })
    expect(second.exitCode).toBe(0)
    expect(ours()).toHaveLength(1)
    const [updated] = ours()
    expect(updated?.id).toBe(created?.id)
    expect(updated?.body).toContain(`${IMAGE}:latest`)
    expect(updated?.body).not.toContain(`${IMAGE}:v1`)
    expect(second.stdout).toContain(`pr_comment: updated comment ${created?.id} on #7.`)
    // Everyone else's comments are as they were.
    expect(github.comments).toHaveLength(106)
    expect(github.comments[0]?.body).toBe('<!-- another bot -->\nSomething else')
    // The second run listed both pages, then patched; it created nothing.
    const writes = github.requests.filter(q => q.method !== 'GET')
    expect(writes.map(q => q.method)).toEqual(['POST', 'PATCH'])
    expect(writes.every(q => q.authorized)).toBe(true)
  })

  test('a token without pull-requests: write is a warning, not a failure', async () => {
    github.canWrite = false
    const r = await runOnPullRequest()
    expect(r.exitCode).toBe(0)
    expect(errors(r)).toEqual([])
    const warning = warnings(r).find(w => w.message.startsWith('pr_comment'))
    expect(warning?.message).toBe(
      'pr_comment: could not post the comment (403: Resource not accessible by integration). ' +
        'Give the job `permissions: pull-requests: write` to let it comment.'
    )
    expect(github.comments).toEqual([])
    // The rest of the report is still there.
    expect(r.summary).toContain(TABLE_HEADER)
    expect(report(r).serviceAgentAccess).toBe('unknown')
  })

  test('hostile text in an API error is escaped: no mention, no HTML, no link, and the table holds', async () => {
    const HOSTILE =
      '@octocat </details><script>alert(1)</script> | ![x](http://evil) [link](http://evil)'
    emulator.addFault({
      route: 'iam.serviceAccounts.testIamPermissions',
      kind: 'status',
      status: 400,
      message: HOSTILE
    })
    const r = await runOnPullRequest()
    expect(r.exitCode).toBe(0)
    // The error reached the report as the API sent it...
    const actAs = report(r).findings.find(f => f.permission === 'iam.serviceAccounts.actAs')
    expect(actAs?.status).toBe('unknown')
    expect(actAs?.detail).toContain(HOSTILE)

    // ...and the comment carries it escaped.
    expect(ours()).toHaveLength(1)
    const body = ours()[0]?.body ?? ''
    for (const raw of ['@octocat', '<script>', '![x](', '[link](']) {
      expect(body).not.toContain(raw)
    }
    expect(body.split('</details>').length).toBe(body.split('<details>').length)
    const row = body.split('\n').find(line => line.includes('alert'))
    expect(row).toBeDefined()
    expect(row).not.toContain('</details>')
    expect(row).toContain('octocat')
    // Every row of the findings table has the header's cells: the `|` in the text split nothing.
    const lines = body.split('\n')
    const start = lines.indexOf(TABLE_HEADER)
    expect(start).toBeGreaterThan(0)
    const table = lines.slice(start, lines.indexOf('', start))
    expect(table).toContain(row)
    expect(table.map(cells)).toEqual(table.map(() => 5))
    // The job summary is rendered the same way.
    expect(r.summary).not.toContain('@octocat')
    expect(r.summary).not.toContain('<script>')
  })

  test('a name with a pipe (a branch in the federated principal) does not split the table', async () => {
    // Git allows `|` in a branch name; the federated principal carries the ref.
    await emulator.close()
    emulator = await startTestEmulator(
      variant(seed, 'pipe-branch', 'a run from a branch named with a pipe', s => ({
        ...s,
        github: { repository: 'octo-org/octo-repo', ref: 'refs/heads/fix|table' }
      }))
    )
    const r = await runAction({
      inputs: {
        ...baseInputs(),
        workload_identity_provider: PROVIDER,
        image: `${IMAGE}:v1`,
        dry_run: 'true',
        pr_comment: 'true',
        github_token: TOKEN
      },
      env: { ...emulator.env, GITHUB_API_URL: github.url },
      eventName: 'pull_request',
      event: PULL_REQUEST
    })
    expect(r.exitCode).toBe(0)
    expect(report(r).authenticatedAs).toMatch(/ref:refs\/heads\/fix\|table$/)
    const lines = (ours()[0]?.body ?? '').split('\n')
    const start = lines.indexOf(TABLE_HEADER)
    const table = lines.slice(start, lines.indexOf('', start))
    expect(table.filter(line => line.includes('fix\\|table'))).not.toEqual([])
    expect(table.map(cells)).toEqual(table.map(() => 5))
  })
})
