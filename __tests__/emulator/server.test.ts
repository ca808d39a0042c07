/**
 * The front end: routing, Google's 404, fault injection, latency, the request log and the admin surface.
 */
import { startEmulator, type Emulator } from '../../emulator/server.js'
import { DEPLOYER, REPOSITORY } from '../../emulator/scenarios/seed.js'

let emulator: Emulator
let token: string

beforeEach(async () => {
  emulator = await startEmulator('seed')
  token = emulator.issueAccessToken(DEPLOYER)
})
afterEach(() => emulator.close())

const PROJECT = 'v1/projects/myproject-a'

function get(path: string) {
  return fetch(new URL(path, emulator.url), { headers: { authorization: `Bearer ${token}` } })
}

test('env points every API and the OIDC endpoint at the emulator', () => {
  for (const api of [
    'RUN',
    'ARTIFACTREGISTRY',
    'CLOUDRESOURCEMANAGER',
    'IAM',
    'IAMCREDENTIALS',
    'STS',
    'POLICYTROUBLESHOOTER'
  ]) {
    expect(emulator.env[`CLOUDSDK_API_ENDPOINT_OVERRIDES_${api}`]).toBe(emulator.url)
  }
  expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
  expect(emulator.env.ACTIONS_ID_TOKEN_REQUEST_URL).toMatch(/\?api-version=2\.0$/)
  expect(emulator.tokens()).toContain(emulator.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN)
})

test('an unknown route is a 404 in Google’s body, and logged as unknown', async () => {
  const response = await get('v1/nothing/here')
  expect(response.status).toBe(404)
  expect(await response.json()).toEqual({
    error: { code: 404, message: 'Method not found.', status: 'NOT_FOUND' }
  })
  expect(emulator.requestLog).toMatchObject([
    { name: 'unknown', status: 404, path: '/v1/nothing/here' }
  ])
})

test('the request log records name, principal, token, status and timing', async () => {
  await get(PROJECT)
  expect(emulator.requestLog).toEqual([
    {
      name: 'cloudresourcemanager.projects.get',
      method: 'GET',
      path: '/v1/projects/myproject-a',
      status: 200,
      principal: DEPLOYER,
      token: expect.any(String),
      mutating: false,
      startedAt: expect.any(Number),
      endedAt: expect.any(Number)
    }
  ])
  const [entry] = emulator.requestLog
  expect(entry!.endedAt).toBeGreaterThanOrEqual(entry!.startedAt)
  emulator.clearLog()
  expect(emulator.requestLog).toHaveLength(0)
})

describe('faults', () => {
  test('503 twice, then the route answers', async () => {
    emulator.addFault({
      route: 'cloudresourcemanager.projects.get',
      kind: 'status',
      status: 503,
      times: 2
    })
    const statuses = []
    for (let i = 0; i < 3; i++) statuses.push((await get(PROJECT)).status)
    expect(statuses).toEqual([503, 503, 200])
    expect(emulator.requestLog.map(r => r.status)).toEqual([503, 503, 200])
  })

  test('429 with Retry-After and RESOURCE_EXHAUSTED; a prefix rule matches many routes', async () => {
    emulator.addFault({
      route: 'cloudresourcemanager.*',
      kind: 'status',
      status: 429,
      retryAfterSeconds: 7,
      times: 1
    })
    const response = await get(PROJECT)
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe('7')
    expect(await response.json()).toMatchObject({
      error: { code: 429, status: 'RESOURCE_EXHAUSTED' }
    })
    expect((await get(PROJECT)).status).toBe(200)
  })

  test('drop: headers and part of the body, then the connection is cut', async () => {
    emulator.addFault({ route: 'artifactregistry.repositories.get', kind: 'drop', times: 1 })
    const response = await get(`v1/${REPOSITORY}`)
    expect(response.status).toBe(200)
    await expect(response.text()).rejects.toThrow()
    expect((await get(`v1/${REPOSITORY}`)).status).toBe(200)
  })

  test('clearFaults and setOptions({faults}) replace the rules', async () => {
    emulator.addFault({ route: '*', kind: 'status', status: 500 })
    expect((await get(PROJECT)).status).toBe(500)
    emulator.clearFaults()
    expect((await get(PROJECT)).status).toBe(200)
    emulator.setOptions({
      faults: [
        { route: 'cloudresourcemanager.projects.get', kind: 'status', status: 504, times: 1 }
      ]
    })
    expect((await get(PROJECT)).status).toBe(504)
    expect(emulator.options.faults).toEqual([])
  })
})

test('latency is added to every request', async () => {
  emulator.setOptions({ latencyMs: 120 })
  const started = performance.now()
  await get(PROJECT)
  await get(PROJECT)
  expect(performance.now() - started).toBeGreaterThanOrEqual(230)
  const [first] = emulator.requestLog
  expect(first!.endedAt - first!.startedAt).toBeGreaterThanOrEqual(115)
})

test('the admin surface steers the emulator and stays out of the log', async () => {
  const admin = (path: string, init?: RequestInit) =>
    fetch(new URL(`__emulator/${path}`, emulator.url), init)
  const post = (path: string, body: unknown) =>
    admin(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body)
    })

  await post('faults', {
    route: 'cloudresourcemanager.projects.get',
    kind: 'status',
    status: 503,
    times: 1
  })
  expect((await get(PROJECT)).status).toBe(503)
  expect(
    ((await (await post('options', { latencyMs: 1 })).json()) as { latencyMs: number }).latencyMs
  ).toBe(1)
  const policy = (await (
    await admin(`policy?resource=${encodeURIComponent(REPOSITORY)}`)
  ).json()) as {
    bindings: unknown[]
  }
  expect(policy.bindings).toContainEqual({
    role: 'roles/artifactregistry.reader',
    members: expect.arrayContaining([DEPLOYER])
  })
  const log = (await (await admin('log')).json()) as { name: string }[]
  expect(log.map(r => r.name)).toEqual(['cloudresourcemanager.projects.get'])
  expect(emulator.requestLog).toHaveLength(1)
})

test('a body that is not JSON is INVALID_ARGUMENT', async () => {
  const response = await fetch(new URL(`v1/${REPOSITORY}:setIamPolicy`, emulator.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{not json'
  })
  expect(response.status).toBe(400)
  expect(await response.json()).toMatchObject({ error: { status: 'INVALID_ARGUMENT' } })
  expect(emulator.getPolicy(REPOSITORY).bindings).toHaveLength(1)
})

test('a handler that throws something other than a Google error is a 500 INTERNAL, logged to stderr', async () => {
  const broken = await startEmulator('seed', {
    routes: [
      {
        method: 'GET',
        pattern: /^\/v1\/broken$/,
        name: 'test.broken',
        handler: () => {
          throw new TypeError('a bug')
        }
      }
    ]
  })
  const errors: unknown[][] = []
  const original = console.error
  console.error = (...args: unknown[]) => void errors.push(args)
  try {
    const response = await fetch(new URL('v1/broken', broken.url))
    expect(response.status).toBe(500)
    expect(await response.json()).toEqual({
      error: { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' }
    })
    expect(String(errors[0]?.[1])).toContain('a bug')
  } finally {
    console.error = original
    await broken.close()
  }
})
