/**
 * A stand-in for the part of GitHub's REST API the action uses: a pull request's issue comments (list with
 * pagination, create, update). Like GitHub, it checks the token and answers 403 "Resource not accessible by
 * integration" when the token may not write pull requests.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface IssueComment {
  id: number
  body: string
  issueNumber: number
  createdAt: string
  updatedAt: string
}

export interface GitHubApi {
  readonly url: string
  readonly comments: IssueComment[]
  /** Every request: method, path and whether its token was accepted. */
  readonly requests: { method: string; path: string; authorized: boolean }[]
  /** Switch write access off, as a token without `pull-requests: write`. */
  canWrite: boolean
  close(): Promise<void>
}

const PAGE_SIZE_MAX = 100

export async function startGitHubApi(
  token: string,
  repository = 'octo-org/octo-repo'
): Promise<GitHubApi> {
  let nextId = 1000
  const api: Omit<GitHubApi, 'url' | 'close'> = { comments: [], requests: [], canWrite: true }

  const send = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {}
  ) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
    res.end(JSON.stringify(body))
  }
  const forbidden = {
    message: 'Resource not accessible by integration',
    documentation_url: 'https://docs.github.com/rest'
  }
  const render = (c: IssueComment) => ({
    id: c.id,
    body: c.body,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    html_url: `https://github.com/${repository}/pull/${c.issueNumber}#issuecomment-${c.id}`
  })

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const authorized =
      req.headers.authorization === `token ${token}` ||
      req.headers.authorization === `Bearer ${token}`
    api.requests.push({ method: req.method ?? '', path: url.pathname, authorized })
    if (!authorized) return send(res, 401, { message: 'Bad credentials' })
    let raw = ''
    for await (const chunk of req) raw += chunk
    const body = raw ? (JSON.parse(raw) as { body?: string }) : {}
    const prefix = `/repos/${repository}/issues`
    const list = new RegExp(`^${prefix}/(\\d+)/comments$`).exec(url.pathname)
    const one = new RegExp(`^${prefix}/comments/(\\d+)$`).exec(url.pathname)
    const now = new Date().toISOString()
    if (list && req.method === 'GET') {
      const issueNumber = Number(list[1])
      const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), PAGE_SIZE_MAX)
      const page = Number(url.searchParams.get('page') ?? 1)
      const all = api.comments.filter(c => c.issueNumber === issueNumber)
      const slice = all.slice((page - 1) * perPage, page * perPage)
      const last = Math.max(1, Math.ceil(all.length / perPage))
      const headers: Record<string, string> =
        page < last
          ? {
              link: `<http://${req.headers.host}${url.pathname}?per_page=${perPage}&page=${page + 1}>; rel="next"`
            }
          : {}
      return send(res, 200, slice.map(render), headers)
    }
    if (list && req.method === 'POST') {
      if (!api.canWrite) return send(res, 403, forbidden)
      const comment = {
        id: nextId++,
        body: body.body ?? '',
        issueNumber: Number(list[1]),
        createdAt: now,
        updatedAt: now
      }
      api.comments.push(comment)
      return send(res, 201, render(comment))
    }
    if (one && req.method === 'PATCH') {
      if (!api.canWrite) return send(res, 403, forbidden)
      const comment = api.comments.find(c => c.id === Number(one[1]))
      if (!comment) return send(res, 404, { message: 'Not Found' })
      comment.body = body.body ?? comment.body
      comment.updatedAt = now
      return send(res, 200, render(comment))
    }
    return send(res, 404, { message: 'Not Found' })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return Object.assign(api, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>(resolve => server.close(() => resolve()))
  })
}
