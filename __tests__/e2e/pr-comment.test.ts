/**
 * pr_comment: true, end to end: the built action against the emulator and a stand-in GitHub API
 * (emulator/github.ts). One comment per deploy target, created once and then updated in place — found by
 * its hidden marker AND its author, so a comment by anyone else that carries the marker is left alone —
 * within GitHub's 65,536-character limit, through GitHub Enterprise Server's base path and a proxy;
 * every failure is a warning that leaves the outcome as it was, and text from an API error cannot inject
 * Markdown, HTML or mentions into the comment.
 */
import { createServer, request, type Server } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import {
  GITHUB_ACTIONS_BOT,
  REVIEWER,
  startGitHubApi,
  type GitHubApi,
  type GitHubUser
} from '../../emulator/github.js'
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
/** The harness's GITHUB_SERVER_URL, GITHUB_REPOSITORY and GITHUB_RUN_ID. */
const RUN_URL = 'https://github.com/octo-org/octo-repo/actions/runs/1'
const PERMISSION_HINT = 'Give the job `permissions: pull-requests: write` to let it comment'

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

function runOnPullRequest(
  inputs: Record<string, string> = {},
  env: Record<string, string> = {}
): Promise<ActionRun> {
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
    { eventName: 'pull_request', event: PULL_REQUEST, env: { GITHUB_API_URL: github.url, ...env } }
  )
}

/** Someone else's comments, enough to push the action's onto a second page of the list. */
function addOtherComments(count: number) {
  for (let i = 0; i < count; i++) {
    github.addComment(7, i === 0 ? '<!-- another bot -->\nSomething else' : `review comment ${i}`)
  }
}

const withMarker = () => github.comments.filter(c => c.body.startsWith(MARKER))
const ours = () => withMarker().filter(c => c.author?.login === github.user.login)
const commentWarnings = (run: ActionRun) =>
  warnings(run).filter(w => w.message.startsWith('pr_comment'))

/** Cells of a Markdown table row, split on the pipes that are not escaped. */
const cells = (line: string) => line.split(/(?<!\\)\|/).length - 2

/**
 * A forwarder that records each request line: as a proxy (plain-http requests by absolute URL, and
 * CONNECT tunnels), or in front of `upstream` for requests by path. HIDDEN, where nothing listens, is
 * mapped back to 127.0.0.1, so only a request through this forwarder reaches an address there.
 */
const HIDDEN = '127.0.0.2'
async function startForwarder(
  upstream: string
): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = []
  const server: Server = createServer((incoming, outgoing) => {
    seen.push(`${incoming.method} ${incoming.url}`)
    const target = new URL(incoming.url ?? '/', upstream)
    if (target.hostname === HIDDEN) target.hostname = '127.0.0.1'
    const headers = { ...incoming.headers, host: target.host }
    const forwarded = request(target, { method: incoming.method, headers }, answer => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(outgoing)
    })
    forwarded.on('error', () => outgoing.destroy())
    incoming.pipe(forwarded)
  })
  server.on('connect', (incoming, client: Socket, head: Buffer) => {
    seen.push(`CONNECT ${incoming.url}`)
    const [host = '', port = '80'] = (incoming.url ?? '').split(':')
    const tunnel = connect(Number(port), host === HIDDEN ? '127.0.0.1' : host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      tunnel.write(head)
      tunnel.pipe(client)
      client.pipe(tunnel)
    })
    tunnel.on('error', () => client.destroy())
    client.on('error', () => tunnel.destroy())
  })
  await new Promise<void>(done => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>(done => {
        server.close(() => done())
        server.closeAllConnections()
      })
  }
}

describe('pr_comment', () => {
  test('created once on the first run, updated in place on the second, never duplicated', async () => {
    addOtherComments(105)
    const first = await runOnPullRequest()
    expect(first.exitCode).toBe(0)
    expect(first.stderr).toBe('')
    expect(ours()).toHaveLength(1)
    const [created] = ours()
    expect(created?.issueNumber).toBe(7)
    expect(created?.author).toEqual(GITHUB_ACTIONS_BOT)
    expect(created?.body).toContain('## 🧪 Dry run: service `api` in `asia-northeast1`')
    expect(created?.body).toContain(TABLE_HEADER)
    expect(created?.body).toContain(`${IMAGE}:v1`)
    expect(first.stdout).toContain(
      `pr_comment: created comment ${created?.id} on #7, as github-actions[bot].`
    )
    expect(commentWarnings(first)).toEqual([])

    const second = await runOnPullRequest({ image: `${IMAGE}:latest` })
    expect(second.exitCode).toBe(0)
    expect(ours()).toHaveLength(1)
    const [updated] = ours()
    expect(updated?.id).toBe(created?.id)
    expect(updated?.body).toContain(`${IMAGE}:latest`)
    expect(updated?.body).not.toContain(`${IMAGE}:v1`)
    expect(second.stdout).toContain(`pr_comment: updated comment ${created?.id} on #7`)
    // Everyone else's comments are as they were.
    expect(github.comments).toHaveLength(106)
    expect(github.comments[0]?.body).toBe('<!-- another bot -->\nSomething else')
    // Each run asked who it is and listed both pages; the first created, the second patched.
    const writes = github.requests.filter(q => q.method !== 'GET' && q.path !== '/graphql')
    expect(writes.map(q => q.method)).toEqual(['POST', 'PATCH'])
    expect(github.requests.filter(q => q.path === '/user')).toHaveLength(2)
    expect(github.requests.every(q => q.authorized && q.apiVersion === '2022-11-28')).toBe(true)

    // A third run with nothing new writes nothing.
    const third = await runOnPullRequest({ image: `${IMAGE}:latest` })
    expect(third.exitCode).toBe(0)
    expect(third.stdout).toContain(`pr_comment: left unchanged comment ${created?.id} on #7`)
    expect(github.requests.filter(q => q.method === 'PATCH')).toHaveLength(1)
  })

  test("someone else's comment that starts with the marker is left alone; the action writes its own", async () => {
    const impostors: GitHubUser[] = [
      REVIEWER,
      { login: 'other-app[bot]', id: 5_000_200, type: 'Bot' }
    ]
    const planted = impostors.map(who =>
      github.addComment(7, `${MARKER}\n## Cloud Run deploy: all good, merge it`, who)
    )
    const first = await runOnPullRequest()
    expect(first.exitCode).toBe(0)
    expect(planted.map(c => c.body)).toEqual(
      planted.map(() => `${MARKER}\n## Cloud Run deploy: all good, merge it`)
    )
    expect(github.requests.filter(q => q.method === 'PATCH')).toEqual([])
    expect(ours()).toHaveLength(1)
    expect(ours()[0]?.body).toContain(TABLE_HEADER)
    for (const [i, who] of impostors.entries()) {
      expect(first.stdout).toContain(
        `pr_comment: comment ${planted[i]?.id} carries this action's marker but ${who.login} wrote it, not github-actions[bot]; left alone.`
      )
    }

    // The rerun updates the action's comment, still not theirs.
    const second = await runOnPullRequest({ image: `${IMAGE}:latest` })
    expect(second.exitCode).toBe(0)
    expect(withMarker()).toHaveLength(3)
    expect(ours()).toHaveLength(1)
    expect(ours()[0]?.body).toContain(`${IMAGE}:latest`)
    expect(planted.every(c => c.body.endsWith('all good, merge it'))).toBe(true)
  })

  test("a personal access token writes as its user: the Actions bot's comment is not its own", async () => {
    await github.close()
    github = await startGitHubApi(TOKEN, { tokenKind: 'user', login: 'deploy-user' })
    const bots = github.addComment(7, `${MARKER}\nfrom the workflow token`, GITHUB_ACTIONS_BOT)
    const first = await runOnPullRequest()
    expect(first.exitCode).toBe(0)
    expect(first.stdout).toContain('as deploy-user.')
    expect(bots.body).toBe(`${MARKER}\nfrom the workflow token`)
    const second = await runOnPullRequest({ image: `${IMAGE}:latest` })
    expect(second.exitCode).toBe(0)
    expect(ours()).toHaveLength(1)
    expect(ours()[0]?.author?.login).toBe('deploy-user')
    expect(ours()[0]?.body).toContain(`${IMAGE}:latest`)
    // GET /user answered, so GraphQL was never needed.
    expect(github.requests.filter(q => q.path === '/graphql')).toEqual([])
  })

  test('a report over 65,536 characters is cut between whole blocks and links to the run', async () => {
    // One finding's detail far longer than a comment may be: an API error as long as the limit.
    const HUGE = Array.from({ length: 9_000 }, (_, i) => `denied-${i}`).join(' ')
    emulator.addFault({
      route: 'iam.serviceAccounts.testIamPermissions',
      kind: 'status',
      status: 400,
      message: HUGE
    })
    const r = await runOnPullRequest()
    expect(r.exitCode).toBe(0)
    expect(commentWarnings(r)).toEqual([])
    // The job summary holds the whole report...
    expect(r.summary).toContain('denied-8999')
    expect(r.summary.length).toBeGreaterThan(65_536)

    // ...and the comment its head, within GitHub's limit (the emulator would have answered 422).
    expect(ours()).toHaveLength(1)
    const body = ours()[0]?.body ?? ''
    expect([...body].length).toBeLessThanOrEqual(65_536)
    expect(
      body.startsWith(`${MARKER}\n## 🧪 Dry run: service \`api\` in \`asia-northeast1\``)
    ).toBe(true)
    expect(body).toContain(TABLE_HEADER)
    expect(body).not.toContain('denied-0')
    expect(body.trimEnd().endsWith(`it is in [this run's summary](${RUN_URL}).`)).toBe(true)
    expect(r.stdout).toContain('pr_comment: the report is longer than a comment may be')
    // Cut between whole lines of the report, and no code block or <details> left open.
    const [, ...reportLines] = body.slice(0, body.indexOf('\n\n---\n\n**Shortened:**')).split('\n')
    const summaryLines = new Set(r.summary.split('\n'))
    expect(reportLines.filter(line => !summaryLines.has(line))).toEqual([])
    expect(body.split('```').length % 2).toBe(1)
    expect(body.split('<details>').length).toBe(body.split('</details>').length)
    // The table keeps its rows up to the long one.
    const lines = body.split('\n')
    const table = lines.slice(
      lines.indexOf(TABLE_HEADER),
      lines.indexOf('', lines.indexOf(TABLE_HEADER))
    )
    expect(table.length).toBeGreaterThan(2)
    expect(table.map(cells)).toEqual(table.map(() => 5))
  })

  test('a token without pull-requests: write is a warning naming the permission, and the outcome holds', async () => {
    github.canWrite = false
    const r = await runOnPullRequest()
    expect(r.exitCode).toBe(0)
    expect(errors(r)).toEqual([])
    expect(commentWarnings(r).map(w => w.message)).toEqual([
      'pr_comment: could not create a comment on #7 (403: Resource not accessible by integration). ' +
        `${PERMISSION_HINT} (a pull request from a fork gets a read-only token).`
    ])
    expect(github.comments).toEqual([])
    // The rest of the report is still there.
    expect(r.summary).toContain(TABLE_HEADER)
    expect(report(r).serviceAgentAccess).toBe('unknown')

    // Updating an existing comment fails the same way, and names that step.
    github.canWrite = true
    await runOnPullRequest()
    github.canWrite = false
    const again = await runOnPullRequest({ image: `${IMAGE}:latest` })
    expect(again.exitCode).toBe(0)
    expect(commentWarnings(again).map(w => w.message)).toEqual([
      `pr_comment: could not update comment ${ours()[0]?.id} on #7 (403: Resource not accessible by integration). ` +
        `${PERMISSION_HINT} (a pull request from a fork gets a read-only token).`
    ])
  })

  test('a failed deploy fails the same, with the same errors, whether or not the comment is posted', async () => {
    const posted = await runOnPullRequest({ dry_run: 'false' })
    expect(posted.exitCode).toBe(1)
    expect(ours()).toHaveLength(1)
    // The same run again, from the start, with a token that may not comment.
    await Promise.all([emulator.close(), github.close()])
    emulator = await startTestEmulator(seed)
    github = await startGitHubApi(TOKEN)
    github.canWrite = false
    const refused = await runOnPullRequest({ dry_run: 'false' })
    expect(refused.exitCode).toBe(posted.exitCode)
    expect(errors(refused)).toEqual(errors(posted))
    expect(commentWarnings(refused).map(w => w.message)).toEqual([
      expect.stringContaining('`permissions: pull-requests: write`')
    ])
  })

  test('GitHub Enterprise Server: every call goes under its /api/v3 base path', async () => {
    // In front of the stand-in, to see the paths the action asked for.
    const ghes = await startForwarder(github.url)
    try {
      const r = await runOnPullRequest({}, { GITHUB_API_URL: `${ghes.url}/api/v3` })
      expect(r.exitCode).toBe(0)
      expect(commentWarnings(r)).toEqual([])
      expect(ours()).toHaveLength(1)
      // Who the token is and the listing go out together: their order is not fixed.
      expect([...ghes.seen].sort()).toEqual([
        'GET /api/v3/repos/octo-org/octo-repo/issues/7/comments?per_page=100',
        'GET /api/v3/user',
        // GHES serves GraphQL at /api/graphql; octokit derives it from the REST root.
        'POST /api/graphql',
        'POST /api/v3/repos/octo-org/octo-repo/issues/7/comments'
      ])
    } finally {
      await ghes.close()
    }
  })

  test.each([
    [
      'plain http to another host',
      'http://github.example.com/api/v3',
      'is plain http to another host'
    ],
    ['not a URL', 'github.example.com', 'is not a URL']
  ])(
    'a GITHUB_API_URL that is %s: the token is not sent, a warning, the outcome holds',
    async (_, url, problem) => {
      const proxy = await startForwarder(github.url)
      try {
        // Through a proxy that would see any request, wherever it went.
        const r = await runOnPullRequest(
          {},
          { GITHUB_API_URL: url, HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' }
        )
        expect(r.exitCode).toBe(0)
        expect(errors(r)).toEqual([])
        expect(commentWarnings(r).map(w => w.message)).toEqual([
          `pr_comment: GITHUB_API_URL ${url} ${problem}${problem.startsWith('is plain') ? ': the token would cross the network unencrypted' : ''}, so no comment was posted.`
        ])
        expect(proxy.seen).toEqual([])
        expect(github.requests).toEqual([])
      } finally {
        await proxy.close()
      }
    }
  )

  test('behind HTTP_PROXY the comment goes through the proxy, as every other request', async () => {
    const proxy = await startForwarder(github.url)
    try {
      // The API at an address only the proxy reaches.
      const apiUrl = github.url.replace('127.0.0.1', HIDDEN)
      const r = await runOnPullRequest({}, { GITHUB_API_URL: apiUrl, HTTP_PROXY: proxy.url })
      expect(r.exitCode).toBe(0)
      expect(commentWarnings(r)).toEqual([])
      expect(ours()).toHaveLength(1)
      const host = new URL(apiUrl).host
      expect(proxy.seen.filter(line => line.includes(host)).length).toBeGreaterThan(0)
    } finally {
      await proxy.close()
    }
  })

  test('not a pull request: nothing is asked of GitHub', async () => {
    const r = await runAsDeployer(
      emulator,
      {
        ...baseInputs(),
        image: `${IMAGE}:v1`,
        dry_run: 'true',
        pr_comment: 'true',
        github_token: TOKEN
      },
      { eventName: 'push', event: {}, env: { GITHUB_API_URL: github.url } }
    )
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toContain('pr_comment: not a pull-request event; no comment posted.')
    expect(github.requests).toEqual([])
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
