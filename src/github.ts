/**
 * The three GitHub REST calls the PR comment makes (list, create and update an issue comment), over
 * fetch. @actions/github would bring octokit and a second copy of undici — a third of the bundle — for
 * them. The shape mirrors octokit's (`paginate`, `rest.issues.*`, errors carrying `status`) so the caller
 * reads the same either way.
 *
 * The token goes only to the API root it was given (GITHUB_API_URL): a pagination link elsewhere is not
 * followed, and plain http is refused except on loopback.
 */
import { isLoopbackHost } from './endpoints.js'

const API_VERSION = '2022-11-28'
/** Far more comments than a pull request has; a bound, so a looping `next` link cannot spin forever. */
const MAX_PAGES = 50

export interface IssueComment {
  readonly id: number
  readonly body?: string
}

interface RepoParams {
  readonly owner: string
  readonly repo: string
}

export interface ListCommentsParams extends RepoParams {
  readonly issue_number: number
  readonly per_page?: number
}

/** A failed GitHub call: `status` is the HTTP status (0 when no response arrived), as octokit's. */
export class GitHubRequestError extends Error {
  override readonly name = 'GitHubRequestError'
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message)
  }
}

type ListComments = (params: ListCommentsParams) => Promise<{ data: IssueComment[] }>

export interface GitHubClient {
  paginate(list: ListComments, params: ListCommentsParams): Promise<IssueComment[]>
  readonly rest: {
    readonly issues: {
      readonly listComments: ListComments
      createComment(
        params: RepoParams & { issue_number: number; body: string }
      ): Promise<{ data: IssueComment }>
      updateComment(
        params: RepoParams & { comment_id: number; body: string }
      ): Promise<{ data: IssueComment }>
    }
  }
}

function apiRoot(baseUrl: string): URL {
  const root = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`)
  if (!(root.protocol === 'https:' || (root.protocol === 'http:' && isLoopbackHost(root.hostname))))
    throw new GitHubRequestError(
      0,
      `GITHUB_API_URL ${baseUrl} is not https (http only on loopback)`
    )
  return root
}

const segment = (value: string | number) => encodeURIComponent(String(value))

export function getOctokit(token: string, { baseUrl }: { baseUrl: string }): GitHubClient {
  const root = apiRoot(baseUrl)

  async function call<T>(
    method: string,
    url: URL,
    body?: unknown
  ): Promise<{ data: T; next?: URL }> {
    // Same origin and under the root: the token is for this API only.
    if (url.origin !== root.origin || !url.pathname.startsWith(root.pathname))
      throw new GitHubRequestError(0, `refusing to send the token to ${url.origin}`)
    let response: Response
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/vnd.github+json',
          'x-github-api-version': API_VERSION,
          'user-agent': 'cloud-run-deploy-action',
          ...(body === undefined ? {} : { 'content-type': 'application/json' })
        },
        body: body === undefined ? undefined : JSON.stringify(body)
      })
    } catch (thrown) {
      throw new GitHubRequestError(0, thrown instanceof Error ? thrown.message : String(thrown))
    }
    const text = await response.text()
    let data: unknown
    try {
      data = text ? JSON.parse(text) : undefined
    } catch {
      data = undefined
    }
    if (!response.ok) {
      const message = (data as { message?: string } | undefined)?.message ?? response.statusText
      throw new GitHubRequestError(response.status, message || `HTTP ${response.status}`)
    }
    const link = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1]
    return { data: data as T, next: link ? new URL(link, url) : undefined }
  }

  const issuesUrl = (p: RepoParams, rest: string) =>
    new URL(`repos/${segment(p.owner)}/${segment(p.repo)}/issues/${rest}`, root)

  const listUrl = (p: ListCommentsParams) => {
    const url = issuesUrl(p, `${segment(p.issue_number)}/comments`)
    if (p.per_page) url.searchParams.set('per_page', String(p.per_page))
    return url
  }

  const listComments: ListComments = async params => {
    const { data } = await call<IssueComment[]>('GET', listUrl(params))
    return { data }
  }

  return {
    async paginate(_list, params) {
      const all: IssueComment[] = []
      let url: URL | undefined = listUrl(params)
      for (let page = 0; url && page < MAX_PAGES; page++) {
        const result: { data: IssueComment[]; next?: URL } = await call('GET', url)
        all.push(...(result.data ?? []))
        url = result.next
      }
      return all
    },
    rest: {
      issues: {
        listComments,
        createComment: async ({ body, ...p }) =>
          call<IssueComment>('POST', issuesUrl(p, `${segment(p.issue_number)}/comments`), {
            body
          }),
        updateComment: async ({ body, ...p }) =>
          call<IssueComment>('PATCH', issuesUrl(p, `comments/${segment(p.comment_id)}`), {
            body
          })
      }
    }
  }
}
