/**
 * Tokens know their real expiry and are replaced before it, also during a deploy that waits longer than a
 * token lives: on a VM whose metadata server hands out 5-minute tokens, with STS tokens of 5 minutes, and
 * with impersonated tokens of 5 minutes. Every deploy succeeds, a second token is fetched before the first
 * expires, and no request is ever answered 401. Time is a shared clock 100 times as fast as the wall (a
 * 12-minute operation takes 7 s), and the three long cases run side by side; the emulator's log gives each
 * request's time on that clock.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { DEPLOYER, DEPLOYER_EMAIL, PROVIDER } from '../../emulator/scenarios/seed.js'
import type { Emulator, RequestLogEntry } from '../../emulator/server.js'
import { startTestEmulator } from '../harness/emulator.js'
import { runAction, uniqueName, type ActionRun } from '../harness/runAction.js'
import { clockTimeOf, expectNoLibraryWarning, runnerEnv, tempDir } from './auth-support.js'

const MINUTE = 60_000
/** Faster than the suite's usual clock: these deploys wait for minutes on purpose. */
const FAST = { timeScale: 0.01 }
const TOKEN_LIFETIME_MS = 5 * MINUTE

const deployInputs = (service: string) => ({
  service,
  image: 'asia-northeast1-docker.pkg.dev/myproject-b/myrepo/myjob:v1',
  region: 'asia-northeast1',
  project_id: 'myproject-a',
  wait_timeout: '20m'
})

/** A deploy that succeeded, with no request answered 401, and its API calls' tokens in order. */
function expectDeployedWithoutExpiry(emulator: Emulator, run: ActionRun) {
  expect(run.annotations.filter(a => a.command === 'error')).toEqual([])
  expect(run.exitCode).toBe(0)
  expect(run.stderr).toBe('')
  expectNoLibraryWarning(run)
  expect(emulator.requestLog.filter(r => r.status === 401)).toEqual([])
  const apiCalls = emulator.requestLog.filter(r => r.principal !== undefined)
  // The wait outlasted several tokens: more than one carried the calls, each masked before use.
  const used = [...new Set(apiCalls.map(r => r.token))]
  expect(used.length).toBeGreaterThanOrEqual(2)
  for (const token of used) expect(run.masked).toContain(token)
  return apiCalls
}

/**
 * Each token was minted before the previous one expired: `mints` are the requests that minted them, in
 * order; a token expires `lifetimeMs` after its minting request (the emulator stamps expiry when it
 * handles the request, no earlier than it arrived).
 */
function expectEachMintedBeforeThePreviousExpired(
  emulator: Emulator,
  mints: readonly RequestLogEntry[],
  lifetimeMs: number
) {
  const times = mints.map(m => clockTimeOf(emulator, m))
  for (let i = 1; i < times.length; i++) {
    expect(times[i]).toBeLessThan((times[i - 1] ?? 0) + lifetimeMs)
  }
}

test.concurrent(
  'a VM with 5-minute metadata tokens deploys through a 12-minute operation',
  async () => {
    const emulator = await startTestEmulator('metadata', { ...FAST, operationDelayMs: 12 * MINUTE })
    try {
      const run = await runAction({
        inputs: deployInputs(uniqueName('vm')),
        env: runnerEnv(emulator),
        killAfterMs: 150_000
      })
      const apiCalls = expectDeployedWithoutExpiry(emulator, run)
      expect(new Set(apiCalls.map(r => r.principal))).toEqual(new Set([DEPLOYER]))

      // The metadata server hands out its cached token with whatever lifetime it has left, and a new one only
      // in its last minute: the action kept asking as its token neared expiry, got a second token, and no
      // call ever carried an expired one (expectDeployedWithoutExpiry: no 401, two tokens or more).
      const fetches = emulator.requestLog.filter(r => r.name === 'metadata.token')
      expect(fetches.length).toBeGreaterThanOrEqual(2)
      // Asking again is paced by each token's lifetime, not by every request: 12+ minutes of polling
      // take a handful of token requests.
      expect(fetches.length).toBeLessThanOrEqual(12)
    } finally {
      await emulator.close()
    }
  },
  180_000
)

test.concurrent(
  'direct federation with 5-minute STS tokens deploys through a 7-minute operation',
  async () => {
    const emulator = await startTestEmulator('auth-short-sts', {
      ...FAST,
      operationDelayMs: 7 * MINUTE
    })
    try {
      const run = await runAction({
        inputs: { ...deployInputs(uniqueName('sts')), workload_identity_provider: PROVIDER },
        env: runnerEnv(emulator),
        killAfterMs: 150_000
      })
      expectDeployedWithoutExpiry(emulator, run)
      const exchanges = emulator.requestLog.filter(r => r.name === 'sts.token')
      expect(exchanges.length).toBeGreaterThanOrEqual(2)
      // Each token a new exchange: a new GitHub token first, since GitHub's live 5 minutes too.
      expect(emulator.requestLog.filter(r => r.name === 'github.oidc.token')).toHaveLength(
        exchanges.length
      )
      expectEachMintedBeforeThePreviousExpired(emulator, exchanges, TOKEN_LIFETIME_MS)
    } finally {
      await emulator.close()
    }
  },
  180_000
)

test.concurrent(
  'impersonated tokens of 5 minutes (token_lifetime_seconds) are replaced during a 7-minute operation',
  async () => {
    const emulator = await startTestEmulator('seed-granted', {
      ...FAST,
      operationDelayMs: 7 * MINUTE
    })
    try {
      const path = emulator.writeExternalAccountFile(tempDir('adc'), {
        provider: PROVIDER,
        serviceAccount: DEPLOYER_EMAIL
      })
      const file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
      writeFileSync(
        path,
        JSON.stringify({ ...file, service_account_impersonation: { token_lifetime_seconds: 300 } })
      )
      const run = await runAction({
        inputs: deployInputs(uniqueName('imp')),
        env: { ...runnerEnv(emulator), GOOGLE_APPLICATION_CREDENTIALS: path },
        killAfterMs: 150_000
      })
      expectDeployedWithoutExpiry(emulator, run)
      const minted = emulator.requestLog.filter(
        r => r.name === 'iamcredentials.generateAccessToken'
      )
      expect(minted.length).toBeGreaterThanOrEqual(2)
      expectEachMintedBeforeThePreviousExpired(emulator, minted, TOKEN_LIFETIME_MS)
    } finally {
      await emulator.close()
    }
  },
  180_000
)

test('a token an API refuses as expired is replaced once and the call sent again', async () => {
  const emulator = await startTestEmulator('seed-granted')
  try {
    // Google's 401 for an expired token, once, on the first call after authentication.
    emulator.addFault({ route: 'cloudresourcemanager.*', kind: 'status', status: 401, times: 1 })
    const run = await runAction({
      inputs: { ...deployInputs('api'), dry_run: 'true', workload_identity_provider: PROVIDER },
      env: runnerEnv(emulator)
    })
    expect(run.annotations.filter(a => a.command === 'error')).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(emulator.requestLog.filter(r => r.status === 401)).toHaveLength(1)
    // One token for the run, one more after the refusal.
    expect(emulator.requestLog.filter(r => r.name === 'sts.token')).toHaveLength(2)
  } finally {
    await emulator.close()
  }
})
