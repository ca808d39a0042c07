/**
 * The GitHub REST API stand-in: issue comments as GitHub answers them to a GITHUB_TOKEN and to a personal
 * access token — authors, `performed_via_github_app`, `GET /user`, the body limit, write access,
 * pagination — through github.com's layout and GitHub Enterprise Server's `/api/v3`.
 */
import {
  commentBodyProblem,
  GITHUB_ACTIONS_BOT,
  REVIEWER,
  startGitHubApi,
  type GitHubApi
} from '../../emulator/github.js'
import { getOctokit } from '../../src/github.js'

const TOKEN = 'ghs_githubEmulatorTestToken0123456789'
const COMMENTS = '/repos/octo-org/octo-repo/issues/7/comments'
const TOO_LONG = 'Body is too long (maximum is 65536 characters)'

let github: GitHubApi

async function call(
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; authorization?: string; base?: string } = {}
) {
  const response = await fetch(`${options.base ?? github.url}${path}`, {
    method,
    headers: {
      authorization: options.authorization ?? `token ${TOKEN}`,
      accept: 'application/vnd.github.v3+json',
      'x-github-api-version': '2022-11-28',
      ...(options.body !== undefined || options.raw !== undefined
        ? { 'content-type': 'application/json' }
        : {})
    },
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body))
  })
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>
  }
}

test.each([
  ['65,536 characters', 'a'.repeat(65_536), 'characters', undefined],
  ['65,537 characters', 'a'.repeat(65_537), 'characters', TOO_LONG],
  // Characters are code points: an emoji is one, though two UTF-16 units and four UTF-8 bytes.
  ['65,536 emoji', '🌈'.repeat(65_536), 'characters', undefined],
  ['65,536 emoji and one more character', `${'🌈'.repeat(65_536)}a`, 'characters', TOO_LONG],
  ['262,144 bytes, measured limit', 'a'.repeat(262_144), 'bytes', undefined],
  ['262,145 bytes, measured limit', 'a'.repeat(262_145), 'bytes', TOO_LONG],
  ['65,537 characters, measured limit', 'a'.repeat(65_537), 'bytes', undefined]
] as const)('commentBodyProblem: %s', (_, body, limit, problem) => {
  expect(commentBodyProblem(body, limit)).toBe(problem)
})

describe('the server', () => {
  afterEach(() => github.close())

  describe('with the workflow token (an installation token, the default)', () => {
    beforeEach(async () => {
      github = await startGitHubApi(TOKEN)
    })

    test('a comment is written by github-actions[bot] through the GitHub Actions app', async () => {
      const created = await call('POST', COMMENTS, { body: { body: 'hello' } })
      expect(created.status).toBe(201)
      expect(created.body).toMatchObject({
        id: expect.any(Number),
        body: 'hello',
        html_url: expect.stringMatching(
          /^https:\/\/github\.com\/octo-org\/octo-repo\/pull\/7#issuecomment-\d+$/
        ),
        user: {
          login: 'github-actions[bot]',
          id: 41898282,
          node_id: 'MDM6Qm90NDE4OTgyODI=',
          type: 'Bot',
          html_url: 'https://github.com/apps/github-actions'
        },
        performed_via_github_app: {
          id: 15368,
          slug: 'github-actions',
          name: 'GitHub Actions',
          owner: { login: 'github', type: 'Organization' }
        }
      })
      expect(created.headers.get('location')).toBe(created.body.url)
      expect(github.user).toEqual(GITHUB_ACTIONS_BOT)
      expect(github.comments).toMatchObject([
        { body: 'hello', issueNumber: 7, author: GITHUB_ACTIONS_BOT, viaApp: 'github-actions' }
      ])
    })

    test('GET /user: an installation token has no user', async () => {
      const { status, body } = await call('GET', '/user')
      expect(status).toBe(403)
      expect(body).toEqual({
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user',
        status: '403'
      })
    })

    test("others' comments: a reviewer by default, and no app", async () => {
      github.addComment(7, 'LGTM')
      github.comments.push({
        id: 1,
        body: 'pushed by an older test',
        issueNumber: 7,
        createdAt: '2026-01-01T00:00:00Z',
        updatedAt: '2026-01-01T00:00:00Z'
      })
      const { body } = await call('GET', COMMENTS)
      expect(body).toMatchObject([
        {
          body: 'LGTM',
          user: { login: REVIEWER.login, type: 'User' },
          performed_via_github_app: null
        },
        { id: 1, user: { login: REVIEWER.login } }
      ])
    })

    test("a body over 65,536 characters is a 422 in GitHub's words, on create and on update", async () => {
      const ok = await call('POST', COMMENTS, { body: { body: 'x'.repeat(65_536) } })
      expect(ok.status).toBe(201)
      const create = await call('POST', COMMENTS, { body: { body: 'x'.repeat(65_537) } })
      expect(create.status).toBe(422)
      expect(create.body).toEqual({
        message: 'Validation Failed',
        errors: [
          {
            resource: 'IssueComment',
            code: 'unprocessable',
            field: 'data',
            message: 'Body is too long (maximum is 65536 characters)'
          }
        ],
        documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
        status: '422'
      })
      const update = await call(
        'PATCH',
        `/repos/octo-org/octo-repo/issues/comments/${String(ok.body.id)}`,
        {
          body: { body: 'y'.repeat(65_537) }
        }
      )
      expect(update.status).toBe(422)
      expect(update.body.documentation_url).toBe(
        'https://docs.github.com/rest/issues/comments#update-an-issue-comment'
      )
      expect(github.comments).toHaveLength(1)
      expect(github.comments[0]?.body).toBe('x'.repeat(65_536))
    })

    test('without write access: 403 "Resource not accessible by integration"', async () => {
      const existing = github.addComment(7, 'old', GITHUB_ACTIONS_BOT)
      github.canWrite = false
      const create = await call('POST', COMMENTS, { body: { body: 'new' } })
      expect(create.status).toBe(403)
      expect(create.body).toEqual({
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
        status: '403'
      })
      const update = await call(
        'PATCH',
        `/repos/octo-org/octo-repo/issues/comments/${existing.id}`,
        {
          body: { body: 'new' }
        }
      )
      expect(update.status).toBe(403)
      expect(existing.body).toBe('old')
    })

    test("with write access, someone else's comment can be edited: GitHub does not refuse it", async () => {
      const theirs = github.addComment(7, '<!-- marker --> a human quoting the marker')
      const update = await call('PATCH', `/repos/octo-org/octo-repo/issues/comments/${theirs.id}`, {
        body: { body: 'overwritten' }
      })
      expect(update.status).toBe(200)
      expect(update.body).toMatchObject({ body: 'overwritten', user: { login: REVIEWER.login } })
      expect(theirs.body).toBe('overwritten')
    })

    test('pages with Link headers: next and last, then prev and first', async () => {
      for (let i = 0; i < 105; i++) github.addComment(7, `comment ${i}`)
      const first = await call('GET', `${COMMENTS}?per_page=100`)
      expect(first.body).toHaveLength(100)
      expect(first.headers.get('link')).toBe(
        `<${github.url}${COMMENTS}?per_page=100&page=2>; rel="next", ` +
          `<${github.url}${COMMENTS}?per_page=100&page=2>; rel="last"`
      )
      const second = await call('GET', `${COMMENTS}?per_page=100&page=2`)
      expect(second.body).toHaveLength(5)
      expect(second.headers.get('link')).toBe(
        `<${github.url}${COMMENTS}?per_page=100&page=1>; rel="prev", ` +
          `<${github.url}${COMMENTS}?per_page=100&page=1>; rel="first"`
      )
      // 30 a page when per_page is not given, as GitHub.
      expect((await call('GET', COMMENTS)).body).toHaveLength(30)
    })

    test('credentials: `token`, `Bearer` in any case; anything else is 401 Bad credentials', async () => {
      for (const authorization of [`token ${TOKEN}`, `Bearer ${TOKEN}`, `bearer ${TOKEN}`]) {
        expect((await call('GET', COMMENTS, { authorization })).status).toBe(200)
      }
      const bad = await call('GET', COMMENTS, { authorization: 'token ghs_wrong' })
      expect(bad.status).toBe(401)
      expect(bad.body).toEqual({
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
        status: '401'
      })
      expect(github.requests.map(r => [r.authorized, r.apiVersion])).toEqual([
        [true, '2022-11-28'],
        [true, '2022-11-28'],
        [true, '2022-11-28'],
        [false, '2022-11-28']
      ])
    })

    test('a body that is not JSON is a 400; a create without a body a 422', async () => {
      expect((await call('POST', COMMENTS, { raw: '{nope' })).body).toMatchObject({
        message: 'Problems parsing JSON'
      })
      const missing = await call('POST', COMMENTS, { body: {} })
      expect(missing.status).toBe(422)
      expect(missing.body.message).toBe('Invalid request.\n\n"body" wasn\'t supplied.')
    })

    test("GitHub Enterprise Server's /api/v3 base path", async () => {
      const created = await call('POST', COMMENTS, {
        base: github.enterpriseUrl,
        body: { body: 'on GHES' }
      })
      expect(created.status).toBe(201)
      expect(created.body.url).toBe(
        `${github.enterpriseUrl}/repos/octo-org/octo-repo/issues/comments/${String(created.body.id)}`
      )
      for (let i = 0; i < 3; i++) github.addComment(7, `c${i}`)
      const page = await call('GET', `${COMMENTS}?per_page=2`, { base: github.enterpriseUrl })
      expect(page.headers.get('link')).toContain(
        `<${github.enterpriseUrl}${COMMENTS}?per_page=2&page=2>`
      )
      expect(github.requests.map(r => r.path)).toEqual([COMMENTS, COMMENTS])
    })

    test.each([
      ['github.com', (api: GitHubApi) => api.url],
      ['GHES', (api: GitHubApi) => api.enterpriseUrl]
    ])(
      "the action's own client (src/github.ts) lists, creates and updates on %s",
      async (_, base) => {
        for (let i = 0; i < 120; i++) github.addComment(7, `comment ${i}`)
        const client = getOctokit(TOKEN, { baseUrl: base(github) })
        const params = { owner: 'octo-org', repo: 'octo-repo', issue_number: 7, per_page: 100 }
        expect(await client.paginate(client.rest.issues.listComments, params)).toHaveLength(120)
        const { data } = await client.rest.issues.createComment({ ...params, body: 'mine' })
        await client.rest.issues.updateComment({
          ...params,
          comment_id: data.id,
          body: 'mine, again'
        })
        expect(github.comments.at(-1)).toMatchObject({
          id: data.id,
          body: 'mine, again',
          author: GITHUB_ACTIONS_BOT
        })
      }
    )
  })

  describe('with a personal access token', () => {
    beforeEach(async () => {
      github = await startGitHubApi(TOKEN, { tokenKind: 'user', login: 'deploy-bot-user' })
    })

    test('GET /user answers its login; its comments are its own, through no app', async () => {
      const user = await call('GET', '/user')
      expect(user.status).toBe(200)
      expect(user.body).toMatchObject({ login: 'deploy-bot-user', type: 'User' })
      const created = await call('POST', COMMENTS, { body: { body: 'hi' } })
      expect(created.body).toMatchObject({
        user: { login: 'deploy-bot-user', type: 'User' },
        performed_via_github_app: null
      })
      expect(github.comments[0]?.viaApp).toBeUndefined()
    })
  })

  test('the repository may still be given as the second argument, and a measured limit chosen', async () => {
    github = await startGitHubApi(TOKEN, 'octo-org/other')
    expect((await call('GET', '/repos/octo-org/other/issues/1/comments')).status).toBe(200)
    await github.close()
    github = await startGitHubApi(TOKEN, { commentLimit: 'bytes' })
    expect((await call('POST', COMMENTS, { body: { body: 'z'.repeat(100_000) } })).status).toBe(201)
    expect((await call('POST', COMMENTS, { body: { body: 'z'.repeat(262_145) } })).status).toBe(422)
  })
})
