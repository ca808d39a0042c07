/**
 * A stand-in for the part of GitHub's REST API a PR comment uses: a pull request's issue comments (list
 * with pagination, create, update) and `GET /user`, answered as GitHub answers them to the action's own
 * fetch client and to octokit (@actions/github) alike: `authorization: token X` or `Bearer X`, any
 * `accept` and `x-github-api-version`, and GitHub Enterprise Server's `/api/v3` base path.
 *
 * Who the token is matters. The workflow's GITHUB_TOKEN is an installation token of the GitHub Actions
 * app: its comments are written by `github-actions[bot]` and carry `performed_via_github_app`, and it
 * has no user, so `GET /user` is a 403 (actions/create-github-app-token#258). A personal access token
 * writes as its user. Neither is stopped from editing someone else's comment when it may write to the
 * repository: GitHub lets it (tektoncd/pipelines-as-code#2487 had to add its own author check), so an
 * action that updates "its" comment must pick it by author, not rely on GitHub to refuse.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface GitHubUser {
  readonly login: string
  readonly id: number
  readonly type: 'User' | 'Bot' | 'Organization'
}

export interface IssueComment {
  id: number
  body: string
  issueNumber: number
  createdAt: string
  updatedAt: string
  /** Who wrote it; a human reviewer (REVIEWER) when a test leaves it out. */
  author?: GitHubUser
  /** The slug of the GitHub App the comment was made through (installation tokens only). */
  viaApp?: string
}

/** The GitHub Actions app and its bot user, as GitHub shows them (ids from api.github.com). */
export const GITHUB_ACTIONS_BOT: GitHubUser = {
  login: 'github-actions[bot]',
  id: 41898282,
  type: 'Bot'
}
const GITHUB_ACTIONS_APP = { id: 15368, slug: 'github-actions', name: 'GitHub Actions' }

/** The author of comments a test adds without one: someone other than the action. */
export const REVIEWER: GitHubUser = { login: 'octo-reviewer', id: 5_000_001, type: 'User' }

/** GitHub's documented comment limit, and the one measured on github.com. */
export const MAX_COMMENT_CHARACTERS = 65_536
export const MAX_COMMENT_BYTES = 262_144

export interface GitHubApiOptions {
  /** OWNER/REPO; `octo-org/octo-repo` by default. */
  readonly repository?: string
  /** `installation`: GITHUB_TOKEN or another app's token (the default); `user`: a personal access token. */
  readonly tokenKind?: 'installation' | 'user'
  /** The token's login: `github-actions[bot]` for an installation token, `octocat` for a user's. */
  readonly login?: string
  /**
   * How a comment's length is limited. `characters` (the default): more than 65,536 characters, which is
   * what GitHub documents and its 422 says. `bytes`: more than 262,144 UTF-8 bytes, where github.com was
   * measured to refuse (dead-claudia/github-limits#13, objectstack-ai/objectstack#18826) — looser, so
   * a body that passes `characters` passes both.
   */
  readonly commentLimit?: 'characters' | 'bytes'
}

export interface GitHubRequest {
  readonly method: string
  /** The path without GHES's `/api/v3` prefix. */
  readonly path: string
  /** Whether the token was accepted. */
  readonly authorized: boolean
  readonly apiVersion: string | undefined
}

export interface GitHubApi {
  /** `http://127.0.0.1:PORT`, github.com's layout. */
  readonly url: string
  /** The same API under GitHub Enterprise Server's base path: `http://127.0.0.1:PORT/api/v3`. */
  readonly enterpriseUrl: string
  /** Who the token writes as. */
  readonly user: GitHubUser
  readonly comments: IssueComment[]
  /** Every request, oldest first. */
  readonly requests: GitHubRequest[]
  /** Switch write access off, as a token without `pull-requests: write`. */
  canWrite: boolean
  /** A comment by someone else (REVIEWER unless `author` says who), as a test's precondition. */
  addComment(issueNumber: number, body: string, author?: GitHubUser): IssueComment
  close(): Promise<void>
}

const PAGE_SIZE_DEFAULT = 30
const PAGE_SIZE_MAX = 100
const DOCS = 'https://docs.github.com/rest'
const COMMENTS_DOCS = `${DOCS}/issues/comments`
const DOC_CREATE = `${COMMENTS_DOCS}#create-an-issue-comment`
const DOC_UPDATE = `${COMMENTS_DOCS}#update-an-issue-comment`
const DOC_USER = `${DOCS}/users/users#get-the-authenticated-user`

/**
 * GitHub's error body. Since 2024 it also carries the status as a string (bodies quoted in
 * actions/create-github-app-token#258 and easybuilders/easybuild-easyconfigs#24647).
 */
function errorBody(status: number, message: string, documentation: string, extra = {}) {
  return { message, ...extra, documentation_url: documentation, status: String(status) }
}

/** The legacy node id GitHub gives accounts: base64 of `04:User<id>`, `03:Bot<id>`, `012:Organization<id>`. */
function nodeId(user: GitHubUser): string {
  const prefix = { User: '04:User', Bot: '03:Bot', Organization: '012:Organization' }[user.type]
  return Buffer.from(`${prefix}${user.id}`).toString('base64')
}

function renderUser(user: GitHubUser) {
  const handle = encodeURIComponent(user.login)
  return {
    login: user.login,
    id: user.id,
    node_id: nodeId(user),
    avatar_url: `https://avatars.githubusercontent.com/u/${user.id}?v=4`,
    url: `https://api.github.com/users/${handle}`,
    html_url: `https://github.com/${user.type === 'Bot' ? 'apps/' : ''}${handle.replace(/%5Bbot%5D$/, '')}`,
    type: user.type,
    site_admin: false
  }
}

/**
 * `performed_via_github_app` for a comment made through an app, in the shape api.github.com returns
 * (the GitHub Actions app's id, name and owner are real; another app's are made up).
 */
function renderApp(slug: string) {
  const actions = slug === GITHUB_ACTIONS_APP.slug
  return {
    id: actions ? GITHUB_ACTIONS_APP.id : 900_000,
    slug,
    node_id: Buffer.from(`03:App${actions ? GITHUB_ACTIONS_APP.id : 900_000}`).toString('base64'),
    owner: renderUser({ login: actions ? 'github' : 'octo-org', id: 9919, type: 'Organization' }),
    name: actions ? GITHUB_ACTIONS_APP.name : slug,
    html_url: `https://github.com/apps/${slug}`
  }
}

/** Why GitHub refuses a comment body, or undefined. */
export function commentBodyProblem(
  body: string,
  limit: 'characters' | 'bytes' = 'characters'
): string | undefined {
  // GitHub counts characters (code points), not UTF-16 units.
  const tooLong =
    limit === 'characters'
      ? [...body].length > MAX_COMMENT_CHARACTERS
      : Buffer.byteLength(body, 'utf8') > MAX_COMMENT_BYTES
  // Source: the 422 GitHub returns, e.g. jmikedupont2/ai-ticket#51, reg-viz/reg-actions#123.
  return tooLong ? `Body is too long (maximum is ${MAX_COMMENT_CHARACTERS} characters)` : undefined
}

/** The scheme is case-insensitive, as GitHub accepts it; octokit sends `token X`. */
function presentedToken(header: string | undefined): string | undefined {
  return header?.match(/^(?:token|bearer)\s+(\S+)\s*$/i)?.[1]
}

export async function startGitHubApi(
  token: string,
  repositoryOrOptions: string | GitHubApiOptions = {}
): Promise<GitHubApi> {
  const options: GitHubApiOptions =
    typeof repositoryOrOptions === 'string'
      ? { repository: repositoryOrOptions }
      : repositoryOrOptions
  const repository = options.repository ?? 'octo-org/octo-repo'
  const kind = options.tokenKind ?? 'installation'
  const user: GitHubUser =
    kind === 'installation'
      ? options.login && options.login !== GITHUB_ACTIONS_BOT.login
        ? { login: options.login, id: 5_000_100, type: 'Bot' }
        : GITHUB_ACTIONS_BOT
      : { login: options.login ?? 'octocat', id: 583231, type: 'User' }
  const viaApp = kind === 'installation' ? user.login.replace(/\[bot\]$/, '') : undefined
  let nextId = 1000

  const send = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {}
  ) => {
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'x-github-media-type': 'github.v3; format=json',
      ...headers
    })
    res.end(JSON.stringify(body))
  }

  const api: GitHubApi = {
    url: '',
    enterpriseUrl: '',
    user,
    comments: [],
    requests: [],
    canWrite: true,
    addComment(issueNumber, body, author = REVIEWER) {
      const now = new Date().toISOString()
      const comment: IssueComment = {
        id: nextId++,
        body,
        issueNumber,
        createdAt: now,
        updatedAt: now,
        author
      }
      api.comments.push(comment)
      return comment
    },
    close: () => Promise.resolve()
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      console.error('github emulator: request failed:', error)
      if (!res.headersSent) res.writeHead(500)
      res.end()
    })
  })

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    // GitHub Enterprise Server serves the same API under /api/v3.
    const enterprise = url.pathname.startsWith('/api/v3/')
    const path = enterprise ? url.pathname.slice('/api/v3'.length) : url.pathname
    const base = `http://${req.headers.host ?? 'localhost'}${enterprise ? '/api/v3' : ''}`
    const authorized = presentedToken(req.headers.authorization) === token
    const apiVersion = req.headers['x-github-api-version']
    api.requests.push({
      method: req.method ?? '',
      path,
      authorized,
      apiVersion: Array.isArray(apiVersion) ? apiVersion[0] : apiVersion
    })
    if (!authorized) return send(res, 401, errorBody(401, 'Bad credentials', DOCS))

    let raw = ''
    for await (const chunk of req) raw += String(chunk)
    let body: { body?: unknown } = {}
    try {
      body = raw ? (JSON.parse(raw) as { body?: unknown }) : {}
    } catch {
      return send(res, 400, errorBody(400, 'Problems parsing JSON', DOCS))
    }

    const render = (c: IssueComment) => ({
      id: c.id,
      node_id: Buffer.from(`012:IssueComment${c.id}`).toString('base64'),
      url: `${base}/repos/${repository}/issues/comments/${c.id}`,
      html_url: `https://github.com/${repository}/pull/${c.issueNumber}#issuecomment-${c.id}`,
      issue_url: `${base}/repos/${repository}/issues/${c.issueNumber}`,
      body: c.body,
      user: renderUser(c.author ?? REVIEWER),
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      performed_via_github_app: c.viaApp ? renderApp(c.viaApp) : null
    })
    /** The body a create or update sends, or the 422 GitHub answers for it. */
    const validBody = (documentation: string): string | undefined => {
      if (typeof body.body !== 'string') {
        // Source: GitHub's 422 for a create without a body.
        send(
          res,
          422,
          errorBody(422, 'Invalid request.\n\n"body" wasn\'t supplied.', documentation)
        )
        return undefined
      }
      const problem = commentBodyProblem(body.body, options.commentLimit)
      if (problem) {
        send(
          res,
          422,
          errorBody(422, 'Validation Failed', documentation, {
            errors: [
              { resource: 'IssueComment', code: 'unprocessable', field: 'data', message: problem }
            ]
          })
        )
        return undefined
      }
      return body.body
    }

    if (path === '/user' && req.method === 'GET') {
      // An installation token acts for an app, not a user.
      if (kind === 'installation') {
        return send(res, 403, errorBody(403, 'Resource not accessible by integration', DOC_USER))
      }
      return send(res, 200, renderUser(user))
    }

    const prefix = `/repos/${repository}/issues`
    const list = new RegExp(`^${prefix}/(\\d+)/comments$`).exec(path)
    const one = new RegExp(`^${prefix}/comments/(\\d+)$`).exec(path)
    const now = new Date().toISOString()
    if (list && req.method === 'GET') {
      const issueNumber = Number(list[1])
      const perPage = Math.min(
        Number(url.searchParams.get('per_page') ?? PAGE_SIZE_DEFAULT),
        PAGE_SIZE_MAX
      )
      const page = Number(url.searchParams.get('page') ?? 1)
      const all = api.comments.filter(c => c.issueNumber === issueNumber)
      const slice = all.slice((page - 1) * perPage, page * perPage)
      const last = Math.max(1, Math.ceil(all.length / perPage))
      const link = (n: number, rel: string) =>
        `<${base}${path}?per_page=${perPage}&page=${n}>; rel="${rel}"`
      const links = [
        ...(page > 1 ? [link(page - 1, 'prev')] : []),
        ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []),
        ...(page > 1 ? [link(1, 'first')] : [])
      ]
      return send(res, 200, slice.map(render), links.length ? { link: links.join(', ') } : {})
    }
    if (list && req.method === 'POST') {
      if (!api.canWrite) {
        return send(res, 403, errorBody(403, 'Resource not accessible by integration', DOC_CREATE))
      }
      const text = validBody(DOC_CREATE)
      if (text === undefined) return
      const comment: IssueComment = {
        id: nextId++,
        body: text,
        issueNumber: Number(list[1]),
        createdAt: now,
        updatedAt: now,
        author: user,
        ...(viaApp ? { viaApp } : {})
      }
      api.comments.push(comment)
      const rendered = render(comment)
      return send(res, 201, rendered, { location: rendered.url })
    }
    if (one && req.method === 'PATCH') {
      if (!api.canWrite) {
        return send(res, 403, errorBody(403, 'Resource not accessible by integration', DOC_UPDATE))
      }
      const comment = api.comments.find(c => c.id === Number(one[1]))
      if (!comment) return send(res, 404, errorBody(404, 'Not Found', DOC_UPDATE))
      const text = validBody(DOC_UPDATE)
      if (text === undefined) return
      // Whoever wrote it: write access to the repository is enough (see the file's comment).
      comment.body = text
      comment.updatedAt = now
      return send(res, 200, render(comment))
    }
    return send(res, 404, errorBody(404, 'Not Found', DOCS))
  }

  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`
  return Object.assign(api, {
    url,
    enterpriseUrl: `${url}/api/v3`,
    close: () =>
      new Promise<void>(resolve => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
  })
}
