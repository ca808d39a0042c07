/**
 * Behind a proxy (a self-hosted runner that sets HTTP(S)_PROXY): the action starts itself again with
 * Node's own proxy support switched on (src/proxy.ts), and every request — all of them over node:http —
 * goes through the proxy; NO_PROXY is honoured.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { DEPLOYER_EMAIL, IMAGE, PROVIDER, REGION } from '../../emulator/scenarios/seed.js'
import type { Emulator } from '../../emulator/server.js'
import { startTestEmulator } from '../harness/emulator.js'
import { runAction } from '../harness/runAction.js'

/**
 * A proxy as corporate ones are: plain-http requests arrive with an absolute URL (node:http forwards
 * them so), and CONNECT opens a tunnel (for https, and for clients that tunnel everything).
 */
async function startProxy(): Promise<{ server: Server; url: string; seen: string[] }> {
  const seen: string[] = []
  const server = createServer((incoming, outgoing) => {
    seen.push(`${incoming.method} ${incoming.url}`)
    const target = new URL(incoming.url ?? '/')
    target.hostname = target.hostname === HIDDEN ? '127.0.0.1' : target.hostname
    const forwarded = request(
      target,
      { method: incoming.method, headers: incoming.headers },
      answer => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(outgoing)
      }
    )
    forwarded.on('error', () => outgoing.destroy())
    incoming.pipe(forwarded)
  })
  server.on('connect', (incoming: IncomingMessage, client: Socket, head: Buffer) => {
    seen.push(`CONNECT ${incoming.url}`)
    const [host = '', port = '80'] = (incoming.url ?? '').split(':')
    const upstream = connect(Number(port), host === HIDDEN ? '127.0.0.1' : host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  await new Promise<void>(done => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  return { server, url: `http://127.0.0.1:${port}`, seen }
}

let emulator: Emulator
beforeEach(async () => {
  emulator = await startTestEmulator('seed-granted')
})
afterEach(() => emulator.close())

/**
 * The emulator's endpoints under another loopback address that nothing listens on: only the proxy, which
 * maps it back, can reach them, so a run that succeeds sent every request through the proxy.
 */
const HIDDEN = '127.0.0.2'
const hidden = (env: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replaceAll('127.0.0.1', HIDDEN)]))

const inputs = {
  service: 'api',
  image: `${IMAGE}:v1`,
  region: REGION,
  project_id: 'myproject-a',
  workload_identity_provider: PROVIDER,
  service_account: DEPLOYER_EMAIL
}

test('every request goes through HTTP_PROXY, and the deploy succeeds', async () => {
  const proxy = await startProxy()
  try {
    const run = await runAction({
      inputs,
      env: { ...hidden(emulator.env), HTTP_PROXY: proxy.url }
    })
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    expect(run.outputs.url).toMatch(/^https:\/\//)
    const names = emulator.requestLog.map(r => r.name)
    for (const name of ['github.oidc.token', 'sts.token', 'run.services.create']) {
      expect(names).toContain(name)
    }
    // Every request, token or API call, went to the proxy (node:http forwards plain-http requests with
    // their absolute URL): as many as the emulator answered.
    expect(proxy.seen.filter(line => line.includes(`http://${HIDDEN}:`))).toHaveLength(
      emulator.requestLog.length
    )
    expect(proxy.seen.some(line => line.startsWith(`POST http://${HIDDEN}:`))).toBe(true)
  } finally {
    proxy.server.closeAllConnections()
    await new Promise(done => proxy.server.close(done))
  }
})

test('without a proxy the hidden endpoints are unreachable: the run fails cleanly', async () => {
  const run = await runAction({ inputs: { ...inputs, dry_run: 'true' }, env: hidden(emulator.env) })
  expect(run.exitCode).toBe(1)
  expect(run.annotations.filter(a => a.command === 'error')).toHaveLength(1)
  expect(run.stdout).not.toContain('Unexpected error')
})

test('NO_PROXY still applies', async () => {
  const proxy = await startProxy()
  try {
    const run = await runAction({
      inputs: { ...inputs, dry_run: 'true' },
      env: { ...emulator.env, HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' }
    })
    expect(run.exitCode).toBe(0)
    expect(proxy.seen).toEqual([])
  } finally {
    proxy.server.closeAllConnections()
    await new Promise(done => proxy.server.close(done))
  }
})
