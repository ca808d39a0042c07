/**
 * The pull-request comment's decisions: which event has a pull request, which API root may receive the
 * token, which comment is the action's own, where a long report may be cut, and what a failure says.
 */
import {
  cutPoints,
  describeFailure,
  fitCommentBody,
  isOwnComment,
  MAX_COMMENT_CHARACTERS,
  shortenedNote,
  type ListedComment,
  type TokenIdentity
} from '../../src/github.js'
import { apiUrlProblem, pullRequestNumber, runUrl } from '../../src/report/prComment.js'

describe('pullRequestNumber', () => {
  test.each([
    ['pull_request', { pull_request: { number: 7 } }, 7],
    ['pull_request_target', { pull_request: { number: 8 } }, 8],
    ['pull_request_review', { pull_request: { number: 9 } }, 9],
    ['pull_request_review_comment', { pull_request: { number: 10 } }, 10],
    ['issue_comment', { issue: { number: 11, pull_request: { url: 'x' } } }, 11],
    ['issue_comment on an issue', { issue: { number: 12 } }, undefined],
    ['push', { pull_request: { number: 7 } }, undefined],
    ['workflow_dispatch', {}, undefined],
    ['pull_request', { pull_request: { number: '7' } }, undefined],
    ['pull_request', { pull_request: { number: 0 } }, undefined],
    ['pull_request', { pull_request: { number: 1.5 } }, undefined],
    ['pull_request', undefined, undefined],
    ['pull_request', 'not an object', undefined]
  ])('%s with %j: %s', (event, payload, expected) => {
    const eventName = event.replace(' on an issue', '')
    expect(pullRequestNumber(eventName, payload)).toBe(expected)
  })

  test('no event name: no pull request', () => {
    expect(pullRequestNumber(undefined, { pull_request: { number: 7 } })).toBeUndefined()
  })
})

describe('apiUrlProblem: the token goes over https, or plain http to this machine only', () => {
  test.each([
    'https://api.github.com',
    'https://ghes.example.com/api/v3',
    'http://127.0.0.1:8080',
    'http://127.4.5.6/api/v3',
    'http://localhost:3000',
    'http://[::1]:3000'
  ])('%s is accepted', url => {
    expect(apiUrlProblem(url)).toBeUndefined()
  })

  test.each([
    ['http://api.github.com', 'is plain http to another host'],
    ['http://10.0.0.1/api/v3', 'is plain http to another host'],
    ['http://127.0.0.1.example.com', 'is plain http to another host'],
    ['ftp://127.0.0.1', 'is not an https URL'],
    ['api.github.com', 'is not a URL'],
    ['', 'is not a URL']
  ])('%s is refused: %s', (url, problem) => {
    expect(apiUrlProblem(url)).toContain(problem)
  })
})

test.each([
  [
    { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '42' },
    'https://github.com/o/r/actions/runs/42'
  ],
  [
    {
      GITHUB_SERVER_URL: 'https://ghes.example.com/',
      GITHUB_REPOSITORY: 'o/r',
      GITHUB_RUN_ID: '1'
    },
    'https://ghes.example.com/o/r/actions/runs/1'
  ],
  [{ GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '1' }, undefined],
  [{ GITHUB_SERVER_URL: 'https://github.com', GITHUB_RUN_ID: '1' }, undefined]
])('runUrl(%j) is %s', (env, expected) => {
  expect(runUrl(env)).toBe(expected)
})

describe('isOwnComment: the marker AND the token’s own identity', () => {
  const MARKER = '<!-- cloud-run-deploy-action service/api p/r -->'
  const bot: TokenIdentity = { login: 'github-actions[bot]', source: 'assumed' }
  const appBot: TokenIdentity = { login: 'my-app[bot]', id: 900, source: 'viewer' }
  const user: TokenIdentity = { login: 'octocat', id: 583231, source: 'user' }
  const by = (login: string, id: number, body = `${MARKER}\nreport`): ListedComment => ({
    id: 1,
    body,
    user: { login, id }
  })
  test.each([
    {
      name: 'the Actions bot, by login',
      c: by('github-actions[bot]', 41898282),
      who: bot,
      ours: true
    },
    {
      name: 'the login in another case',
      c: by('GitHub-Actions[bot]', 41898282),
      who: bot,
      ours: true
    },
    { name: 'a person quoting the marker', c: by('mallory', 66), who: bot, ours: false },
    { name: 'another app', c: by('other-app[bot]', 901), who: bot, ours: false },
    { name: 'the app, by id', c: by('my-app[bot]', 900), who: appBot, ours: true },
    { name: 'the app renamed, same id', c: by('renamed[bot]', 900), who: appBot, ours: true },
    { name: 'the app’s login, another id', c: by('my-app[bot]', 902), who: appBot, ours: false },
    { name: 'the user', c: by('octocat', 583231), who: user, ours: true },
    {
      name: 'the Actions bot, for a user token',
      c: by('github-actions[bot]', 41898282),
      who: user,
      ours: false
    },
    { name: 'ours, without the marker', c: by('octocat', 583231, 'hello'), who: user, ours: false },
    {
      name: 'ours, the marker not first',
      c: by('octocat', 583231, `> ${MARKER}`),
      who: user,
      ours: false
    },
    {
      name: 'another target’s marker',
      c: by('octocat', 583231, `${MARKER.replace('api', 'web')}\nreport`),
      who: user,
      ours: false
    }
  ])('$name: $ours', ({ c, who, ours }) => {
    expect(isOwnComment(c, MARKER, who)).toBe(ours)
  })

  test('a deleted account (user null) is no one', () => {
    expect(isOwnComment({ id: 1, body: MARKER, user: null }, MARKER, bot)).toBe(false)
  })
})

describe('cutPoints: where a Markdown document stays whole', () => {
  test.each([
    ['paragraphs', ['a', '', 'b', '', 'c'], [2, 4]],
    ['a code block with blank lines', ['a', '', '```sh', 'x', '', 'y', '```', '', 'b'], [2, 8]],
    ['a longer fence is closed only by as long a one', ['````', '```', '', '````', ''], [5]],
    ['a tilde fence', ['~~~', '', '~~~', ''], [4]],
    [
      'a <details> element with blank lines inside',
      ['a', '', '<details><summary>T</summary>', '', 'x', '', '</details>', '', 'b'],
      [2, 8]
    ],
    ['nested <details>', ['<details>', '<details>', '', '</details>', '', '</details>', ''], [7]],
    [
      'a table: between rows of its body',
      ['| h |', '| --- |', '| 1 |', '| 2 |', '| 3 |', '', 'z'],
      [3, 4, 6]
    ],
    ['a fence in a table-like line is still a fence', ['```', '| a |', '| b |', '```'], []]
  ])('%s', (_, lines, points) => {
    expect(cutPoints(lines)).toEqual(points)
  })
})

describe('fitCommentBody', () => {
  const MARKER = '<!-- m -->'
  const RUN = 'https://github.com/o/r/actions/runs/1'
  const NOTE = shortenedNote(RUN)
  /** A limit that leaves `n` characters for the report's head. */
  const room = (n: number) => MARKER.length + 1 + NOTE.length + n
  /** The report's head as kept (without the marker and the note). */
  const head = (body: string) => {
    expect(body.startsWith(`${MARKER}\n`)).toBe(true)
    expect(body.endsWith(NOTE)).toBe(true)
    return body.slice(MARKER.length + 1, body.length - NOTE.length)
  }

  test('a report that fits is the marker line and the report, untouched', () => {
    const report = '## Title\n\ntext\n'
    expect(fitCommentBody(MARKER, report, RUN)).toEqual({
      body: `${MARKER}\n${report}`,
      shortened: false
    })
    const exact = 'x'.repeat(MAX_COMMENT_CHARACTERS - MARKER.length - 1)
    expect(fitCommentBody(MARKER, exact, RUN).shortened).toBe(false)
    expect(fitCommentBody(MARKER, `${exact}x`, RUN).shortened).toBe(true)
  })

  const SECTIONS = [
    '## Title',
    '',
    'intro',
    '',
    '### Fix',
    '',
    '```sh',
    'gcloud one',
    '',
    'gcloud two',
    '```',
    '',
    '<details><summary>Terraform</summary>',
    '',
    'resource',
    '',
    '</details>',
    '',
    // Longer than any limit below leaves room for.
    'tail '.repeat(300)
  ].join('\n')
  test.each([
    [
      'everything but the last block',
      SECTIONS.indexOf('<details>') - 2,
      '## Title\n\nintro\n\n### Fix\n\n```sh\ngcloud one\n\ngcloud two\n```'
    ],
    // The code block does not fit whole: its heading goes with it.
    [
      'not mid-code-block, and no heading left alone',
      SECTIONS.indexOf('gcloud two') + 5,
      '## Title\n\nintro'
    ],
    [
      'not mid-<details>',
      SECTIONS.indexOf('resource') + 8,
      '## Title\n\nintro\n\n### Fix\n\n```sh\ngcloud one\n\ngcloud two\n```'
    ]
  ])('%s', (_, n, expected) => {
    const fitted = fitCommentBody(MARKER, SECTIONS, RUN, room(n))
    expect(fitted.shortened).toBe(true)
    expect(head(fitted.body)).toBe(expected)
    expect(fitted.body.length).toBeLessThanOrEqual(room(n))
  })

  test('a long table keeps its header and the rows that fit', () => {
    const rows = Array.from({ length: 50 }, (_, i) => `| row ${i} |`)
    const report = ['## T', '', '| h |', '| --- |', ...rows, '', 'after'].join('\n')
    const n = '## T\n\n| h |\n| --- |\n| row 0 |\n| row 1 |\n| row 2 |'.length
    expect(head(fitCommentBody(MARKER, report, RUN, room(n + 3)).body)).toBe(
      '## T\n\n| h |\n| --- |\n| row 0 |\n| row 1 |\n| row 2 |'
    )
  })

  test('nothing fits: the marker and the note alone', () => {
    const fitted = fitCommentBody(MARKER, `## T\n\n${'x'.repeat(500)}`, RUN, room(10))
    expect(fitted).toEqual({ body: `${MARKER}\n${NOTE.trimStart()}`, shortened: true })
  })

  test('the note links to the run, or names the job summary without a link', () => {
    expect(shortenedNote(RUN)).toContain(`[this run's summary](${RUN})`)
    expect(shortenedNote(undefined)).toContain("in this run's job summary")
    expect(shortenedNote(undefined)).not.toContain('](')
  })

  test('a report of many sections, far over the limit, is cut within it, at once', () => {
    const section = (i: number) =>
      `### Section ${i}\n\n${'word '.repeat(200)}\n\n\`\`\`sh\ncmd ${i}\n\`\`\``
    const report = Array.from({ length: 2_000 }, (_, i) => section(i)).join('\n\n')
    const started = performance.now()
    const { body, shortened } = fitCommentBody(MARKER, report, RUN)
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(shortened).toBe(true)
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARACTERS)
    expect(body.length).toBeGreaterThan(MAX_COMMENT_CHARACTERS - section(0).length - NOTE.length)
    expect(head(body).endsWith('```')).toBe(true)
    expect(body.split('```').length % 2).toBe(1)
  })
})

describe('describeFailure: what failed, GitHub’s words, what to do', () => {
  /** A failure as octokit's RequestError carries it. */
  const answered = (status: number, data: unknown) => ({
    status,
    message: 'octokit message - https://docs.github.com/rest',
    response: { status, data }
  })
  test.each([
    [
      'no pull-requests: write',
      answered(403, { message: 'Resource not accessible by integration' }),
      'pr_comment: could not create a comment on #7 (403: Resource not accessible by integration). ' +
        'Give the job `permissions: pull-requests: write` to let it comment ' +
        '(a pull request from a fork gets a read-only token).'
    ],
    [
      'not found',
      answered(404, { message: 'Not Found' }),
      'pr_comment: could not create a comment on #7 (404: Not Found). ' +
        'Give the job `permissions: pull-requests: write` to let it comment ' +
        '(a pull request from a fork gets a read-only token).'
    ],
    [
      'a bad token',
      answered(401, { message: 'Bad credentials' }),
      'pr_comment: could not create a comment on #7 (401: Bad credentials). ' +
        'GitHub refused the github_token input: check that it is a valid, unexpired token.'
    ],
    [
      'the rate limit',
      answered(403, { message: 'API rate limit exceeded for installation ID 1.' }),
      'pr_comment: could not create a comment on #7 (403: API rate limit exceeded for installation ID 1.). ' +
        'The GitHub API rate limit was reached; the next run posts the report.'
    ],
    [
      'a validation error, with its details',
      answered(422, {
        message: 'Validation Failed',
        errors: [{ resource: 'IssueComment', code: 'unprocessable', message: 'Body is too long' }]
      }),
      'pr_comment: could not create a comment on #7 (422: Validation Failed: Body is too long).'
    ],
    [
      'no answer (octokit says 500 without a response)',
      { status: 500, message: 'connect ECONNREFUSED 127.0.0.1:1' },
      'pr_comment: could not create a comment on #7 (network: connect ECONNREFUSED 127.0.0.1:1).'
    ],
    [
      'a body that is not JSON',
      answered(502, '<html>Bad gateway</html>'),
      'pr_comment: could not create a comment on #7 (502: octokit message - https://docs.github.com/rest).'
    ],
    ['not even an Error', 'boom', 'pr_comment: could not create a comment on #7 (network: boom).']
  ])('%s', (_, error, expected) => {
    expect(describeFailure('create a comment on #7', error)).toBe(expected)
  })
})
