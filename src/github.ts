/**
 * The GitHub side of the pull-request comment, through @actions/github's octokit: who the token writes
 * as, which existing comment is ours, a body within GitHub's limit, and the write. src/report/prComment.ts
 * imports this module dynamically, so octokit sits in a chunk of its own that only a run posting a
 * comment loads.
 *
 * Octokit gets Node's own fetch, which goes through HTTPS_PROXY/HTTP_PROXY/NO_PROXY as every other
 * request of the action does (src/proxy.ts), instead of @actions/github's undici copy and
 * @actions/http-client's proxy agent (both replaced in the bundle: src/bundle-shims/).
 */
import * as core from '@actions/core'
import { getOctokit as octokitFor } from '@actions/github'

/**
 * GitHub refuses a longer comment body with 422 "Body is too long (maximum is 65536 characters)"
 * (mshick/add-pr-comment#93, github.com/orgs/community/discussions/41331, reg-viz/reg-actions#123);
 * the REST reference does not state the limit.
 */
export const MAX_COMMENT_CHARACTERS = 65_536

/**
 * The bot the workflow's GITHUB_TOKEN writes as (an installation token of the GitHub Actions app). A
 * user's login cannot contain `[`, so no person can take this name.
 */
export const GITHUB_ACTIONS_BOT = 'github-actions[bot]'

/** The REST API version this code is written against (https://docs.github.com/rest/about-the-rest-api/api-versions). */
const API_VERSION = '2022-11-28'

/** 100 comments a page (GitHub's maximum): far more than a pull request has, and a bound on a looping `next` link. */
const MAX_PAGES = 50

/** Who the token writes as. `id` is the account's id, which stays when the login is renamed. */
export interface TokenIdentity {
  readonly login: string
  readonly id?: number
  /** How it was found: `GET /user`, GraphQL's `viewer`, or assumed to be the GitHub Actions bot. */
  readonly source: 'user' | 'viewer' | 'assumed'
}

/** The fields of an issue comment (GitHub's REST shape) that decide whether it is ours. */
export interface ListedComment {
  readonly id: number
  readonly body?: string
  readonly user: { readonly login: string; readonly id: number } | null
}

function writtenBy(comment: ListedComment, identity: TokenIdentity): boolean {
  if (!comment.user) return false
  if (identity.id !== undefined) return comment.user.id === identity.id
  // Logins are case-insensitive on GitHub.
  return comment.user.login.toLowerCase() === identity.login.toLowerCase()
}

/**
 * Ours: it starts with the marker and the token's own identity wrote it. Anyone can write the marker;
 * GitHub lets a token with write access edit anyone's comment, so the author is what keeps an outsider's
 * comment from being taken over as the report.
 */
export function isOwnComment(
  comment: ListedComment,
  marker: string,
  identity: TokenIdentity
): boolean {
  return (comment.body ?? '').startsWith(marker) && writtenBy(comment, identity)
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/
const TABLE_ROW = /^\s*\|/
const HEADING = /^ {0,3}#{1,6}(\s|$)/

/**
 * The line counts a Markdown document can be cut after and stay whole: at a blank line outside any
 * code block and `<details>` element, or between two rows of a table's body (a header stays with at
 * least one row). Never
 * mid-line, mid-code-block or mid-`<details>`.
 */
export function cutPoints(lines: readonly string[]): number[] {
  const points: number[] = []
  let fence: { char: string; length: number } | undefined
  let details = 0
  let tableRow = -1
  lines.forEach((line, index) => {
    const opening = FENCE.exec(line)?.[1]
    if (fence) {
      if (
        opening?.[0] === fence.char &&
        opening.length >= fence.length &&
        !line.trim().slice(opening.length).trim()
      )
        fence = undefined
      tableRow = -1
    } else if (opening) {
      fence = { char: opening[0] ?? '`', length: opening.length }
      tableRow = -1
    } else {
      details += (line.match(/<details[\s>]/gi) ?? []).length
      details = Math.max(0, details - (line.match(/<\/details\s*>/gi) ?? []).length)
      tableRow = TABLE_ROW.test(line) ? tableRow + 1 : -1
    }
    const next = lines[index + 1]
    const closed = !fence && details === 0
    const betweenRows = tableRow >= 2 && next !== undefined && TABLE_ROW.test(next)
    if (closed && (!line.trim() || betweenRows)) points.push(index + 1)
  })
  return points
}

export interface FittedBody {
  readonly body: string
  readonly shortened: boolean
}

/** What ends a shortened comment: where the full report is. */
export function shortenedNote(runUrl: string | undefined): string {
  const where = runUrl ? `in [this run's summary](${runUrl})` : "in this run's job summary"
  return (
    `\n\n---\n\n**Shortened:** the full report is longer than a pull-request comment may be ` +
    `(${MAX_COMMENT_CHARACTERS.toLocaleString('en-US')} characters); it is ${where}.\n`
  )
}

/**
 * The comment body: the marker line, then the report, whole when it fits in `limit` characters;
 * otherwise the longest head of the report that ends at a cut point (cutPoints) and fits with
 * shortenedNote. Lengths are counted in UTF-16 code units, never fewer than the characters (code
 * points) GitHub counts, so a body that fits here fits there.
 */
export function fitCommentBody(
  marker: string,
  markdown: string,
  runUrl: string | undefined,
  limit = MAX_COMMENT_CHARACTERS
): FittedBody {
  const whole = `${marker}\n${markdown}`
  if (whole.length <= limit) return { body: whole, shortened: false }
  const note = shortenedNote(runUrl)
  const lines = markdown.split('\n')
  const budget = limit - marker.length - 1 - note.length
  // In one pass, not per cut point (a long report has thousands): `joined[k]` is the length of the
  // first k lines joined, and `end[k]` the number of lines kept of those k once trailing blank lines
  // and headings left without their section are dropped.
  const joined = [0]
  const end = [0]
  lines.forEach((line, i) => {
    joined.push((joined[i] ?? 0) + line.length + (i ? 1 : 0))
    end.push(line.trim() && !HEADING.test(line) ? i + 1 : (end[i] ?? 0))
  })
  for (const point of cutPoints(lines).reverse()) {
    const kept = end[point] ?? 0
    if (kept && (joined[kept] ?? 0) <= budget) {
      return { body: `${marker}\n${lines.slice(0, kept).join('\n')}${note}`, shortened: true }
    }
  }
  return { body: `${marker}\n${note.trimStart()}`, shortened: true }
}

interface HttpFailure {
  readonly status?: number
  readonly message?: string
  readonly response?: { readonly data?: unknown }
}

/** GitHub's own words for a failure: the error body's `message` and its `errors[].message`. */
function githubMessage(failure: HttpFailure): string {
  const data = failure.response?.data
  if (data && typeof data === 'object' && 'message' in data && typeof data.message === 'string') {
    const errors = 'errors' in data && Array.isArray(data.errors) ? data.errors : []
    const details = errors
      .map((e: unknown) =>
        e && typeof e === 'object' && 'message' in e && typeof e.message === 'string'
          ? e.message
          : ''
      )
      .filter(Boolean)
    return details.length ? `${data.message}: ${details.join('; ')}` : data.message
  }
  return failure.message ?? String(failure)
}

/**
 * The warning for a step of the comment that failed, naming the step, GitHub's status and message, and
 * what to do when the token lacks the permission. Octokit gives a failure without a response (a network
 * error) status 500; it is told apart by having no response.
 */
export function describeFailure(step: string, error: unknown): string {
  const failure: HttpFailure =
    error && typeof error === 'object' ? error : { message: String(error) }
  const answered = failure.response !== undefined && failure.status !== undefined
  const message = githubMessage(failure)
  const status = answered ? String(failure.status) : 'network'
  let hint = ''
  if (answered && failure.status === 401) {
    hint = ' GitHub refused the github_token input: check that it is a valid, unexpired token.'
  } else if (answered && /rate limit/i.test(message)) {
    hint = ' The GitHub API rate limit was reached; the next run posts the report.'
  } else if (answered && (failure.status === 403 || failure.status === 404)) {
    hint =
      ' Give the job `permissions: pull-requests: write` to let it comment ' +
      '(a pull request from a fork gets a read-only token).'
  }
  return `pr_comment: could not ${step} (${status}: ${message}).${hint}`
}

/** A step that failed, with the warning that says so. */
class StepFailure extends Error {
  override readonly name = 'StepFailure'
}

async function step<T>(what: string, work: Promise<T>): Promise<T> {
  try {
    return await work
  } catch (error) {
    throw new StepFailure(describeFailure(what, error))
  }
}

type Octokit = ReturnType<typeof octokitFor>

/**
 * Node's fetch, for the API's origin only: octokit follows the `next` links of a listing wherever they
 * point, and the token must not travel with a request to another host. (Node's fetch already drops the
 * authorization header on a redirect to another origin.)
 */
function sameOriginFetch(root: URL): typeof fetch {
  return (input, init) => {
    const target = new URL(input instanceof Request ? input.url : input)
    if (target.origin !== root.origin) {
      return Promise.reject(new Error(`refusing to send the token to ${target.origin}`))
    }
    return fetch(input, init)
  }
}

/**
 * The action's octokit: @actions/github's (REST methods, pagination, GraphQL), for the API root
 * `baseUrl` (GITHUB_API_URL: `https://api.github.com`, or GHES's `https://HOST/api/v3`).
 */
export function getOctokit(token: string, { baseUrl }: { readonly baseUrl: string }): Octokit {
  const root = new URL(baseUrl)
  const octokit = octokitFor(token, {
    baseUrl: root.href.replace(/\/+$/, ''),
    userAgent: 'cloud-run-deploy-action',
    request: { fetch: sameOriginFetch(root) },
    // Octokit's notes (deprecations) are for the log, not annotations or stderr.
    log: { debug: core.debug, info: core.debug, warn: core.info, error: core.info }
  })
  octokit.hook.before('request', options => {
    options.headers['x-github-api-version'] = API_VERSION
  })
  return octokit
}

/**
 * Who the token writes as. `GET /user` answers for a user's token (personal access token, OAuth or
 * GitHub App user token); an installation token — the workflow's GITHUB_TOKEN or a GitHub App's, from
 * actions/create-github-app-token — gets 403 "Resource not accessible by integration" there
 * (actions/create-github-app-token#258), while GraphQL's `viewer` answers with the app's bot, its login
 * as REST spells comment authors (`<app>[bot]`) and its id as `databaseId` (fullsend-ai/fullsend#1953,
 * marocchino/sticky-pull-request-comment#332).
 */
async function identify(octokit: Octokit): Promise<TokenIdentity> {
  try {
    const { data } = await octokit.rest.users.getAuthenticated()
    return { login: data.login, id: data.id, source: 'user' }
  } catch (error) {
    if ((error as HttpFailure).status !== 403) throw error
  }
  try {
    const { viewer } = await octokit.graphql<{
      viewer: { login: string; databaseId: number | null }
    }>('query { viewer { login databaseId } }')
    return { login: viewer.login, id: viewer.databaseId ?? undefined, source: 'viewer' }
  } catch (error) {
    // ASSUMPTION: an installation token whose GraphQL query fails (GraphQL unavailable) is the
    // workflow's GITHUB_TOKEN, the usual one; another app's token then finds no comment of its own
    // and creates one on each run, which is safe.
    core.debug(
      `pr_comment: GraphQL viewer failed (${(error as Error).message}); assuming ${GITHUB_ACTIONS_BOT}.`
    )
    return { login: GITHUB_ACTIONS_BOT, source: 'assumed' }
  }
}

export interface CommentRequest {
  readonly token: string
  /** GITHUB_API_URL, already checked to be https (or http on loopback). */
  readonly apiUrl: string
  readonly owner: string
  readonly repo: string
  readonly issueNumber: number
  /** The hidden first line that finds the comment again. */
  readonly marker: string
  /** The report, without the marker. */
  readonly markdown: string
  /** The run's page, for the note on a shortened report. */
  readonly runUrl?: string
}

export type CommentOutcome =
  | {
      readonly result: 'created' | 'updated' | 'unchanged'
      readonly id: number
      readonly shortened: boolean
      readonly author: string
    }
  | { readonly result: 'failed'; readonly warning: string }

/** Creates the comment, or updates the one this token wrote before; a failure is a warning's text. */
export async function upsertComment(request: CommentRequest): Promise<CommentOutcome> {
  const { owner, repo, issueNumber: issue_number, marker } = request
  const octokit = getOctokit(request.token, { baseUrl: request.apiUrl })
  try {
    let pages = 0
    // Both at once: neither needs the other's answer.
    const [identity, comments] = await Promise.all([
      step('tell who the token writes as (GET /user)', identify(octokit)),
      step(
        `list the comments of #${issue_number}`,
        octokit.paginate(
          octokit.rest.issues.listComments,
          { owner, repo, issue_number, per_page: 100 },
          (response, done) => {
            if (++pages >= MAX_PAGES) done()
            return response.data
          }
        )
      )
    ])
    core.debug(`pr_comment: the token writes as ${identity.login} (${identity.source}).`)
    const existing = comments.find(c => isOwnComment(c, marker, identity))
    for (const other of comments) {
      if ((other.body ?? '').startsWith(marker) && !writtenBy(other, identity)) {
        core.info(
          `pr_comment: comment ${other.id} carries this action's marker but ${other.user?.login ?? 'a deleted account'} wrote it, not ${identity.login}; left alone.`
        )
      }
    }
    const { body, shortened } = fitCommentBody(marker, request.markdown, request.runUrl)
    const author = identity.login
    if (existing && existing.body === body) {
      return { result: 'unchanged', id: existing.id, shortened, author }
    }
    if (existing) {
      await step(
        `update comment ${existing.id} on #${issue_number}`,
        octokit.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body })
      )
      return { result: 'updated', id: existing.id, shortened, author }
    }
    const { data } = await step(
      `create a comment on #${issue_number}`,
      octokit.rest.issues.createComment({ owner, repo, issue_number, body })
    )
    return { result: 'created', id: data.id, shortened, author }
  } catch (error) {
    if (error instanceof StepFailure) return { result: 'failed', warning: error.message }
    throw error
  }
}
