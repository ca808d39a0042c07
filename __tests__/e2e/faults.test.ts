/**
 * Faults, endpoint by endpoint: every route a seed-granted deploy calls (taken from a clean run's request
 * log, so a new call is covered the day it is added) answers in turn
 * - 503 twice, then normally: the retry absorbs it and the run deploys;
 * - 503 forever: the run fails in bounded time with one line naming the call (or, for a call the checks
 *   can do without, goes on and says what it could not learn);
 * - a connection dropped mid-answer: the run recovers, or fails with one clear line;
 * - 429 with Retry-After: the retry waits at least that long, and the run deploys.
 * The grant's own calls get the same treatment, and no run may change the repository's policy without
 * reporting `granted`. Each case has an emulator of its own, so cases run concurrently.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FaultRule } from '../../emulator/core.js'
import {
  DEPLOYER_EMAIL,
  IMAGE,
  PROVIDER,
  REGION,
  REPOSITORY,
  SERVICE_AGENT
} from '../../emulator/scenarios/seed.js'
import type { Emulator } from '../../emulator/server.js'
import { startTestEmulator } from '../harness/emulator.js'
import { runAction, type ActionRun } from '../harness/runAction.js'

const credentialsDir = mkdtempSync(join(tmpdir(), 'faults-'))
const READER = 'roles/artifactregistry.reader'
const CASE_TIMEOUT_MS = 120_000

function run(emulator: Emulator, inputs: Record<string, string>): Promise<ActionRun> {
  // What google-github-actions/auth leaves behind, with impersonation: the longest chain of token calls.
  const credentials = emulator.writeExternalAccountFile(credentialsDir, {
    provider: PROVIDER,
    serviceAccount: DEPLOYER_EMAIL
  })
  return runAction({
    inputs: {
      service: 'api',
      image: `${IMAGE}:v1`,
      region: REGION,
      project_id: 'myproject-a',
      ...inputs
    },
    env: { ...emulator.env, GOOGLE_APPLICATION_CREDENTIALS: credentials },
    killAfterMs: 90_000
  })
}

/** The route names a clean run calls, in first-call order. */
async function routesOf(scenario: string, inputs: Record<string, string>): Promise<string[]> {
  const emulator = await startTestEmulator(scenario)
  try {
    const clean = await run(emulator, inputs)
    if (clean.exitCode !== 0) throw new Error(`the clean ${scenario} run failed: ${clean.stdout}`)
    return [...new Set(emulator.requestLog.map(r => r.name))]
  } finally {
    await emulator.close()
  }
}

const deployRoutes = await routesOf('seed-granted', {})
const GRANT_INPUTS = { service_agent_access: 'grant' }
const grantRoutes = (await routesOf('demo', GRANT_INPUTS)).filter(name =>
  name.startsWith('artifactregistry.repositories.')
)

/** The retries the action announced in its debug log (src/google/retry.ts, waitBeforeRetry). */
function retryWaits(run: ActionRun): { status: string; attempt: number; ms: number }[] {
  return run.commands
    .filter(c => c.command === 'debug')
    .flatMap(c => {
      const m = /: (\S+) on attempt (\d+)(?:, Retry-After [\d.]+ s)?; retrying in (\d+) ms\.$/.exec(
        c.message
      )
      return m ? [{ status: m[1] ?? '', attempt: Number(m[2]), ms: Number(m[3]) }] : []
    })
}

const errorsOf = (run: ActionRun) =>
  run.annotations.filter(a => a.command === 'error').map(a => a.message)

/** What a user sees must be plain: no stack trace, no "Unexpected error", and error lines are lines. */
function expectClean(run: ActionRun): void {
  const seen = `${run.stdout}\n${run.stderr}`
  expect(seen).not.toMatch(/^\s+at .+[:(]\d+:\d+\)?$/m)
  expect(seen).not.toContain('Unexpected error')
  expect(run.stderr).toBe('')
  // The step's failure is one line; a finding's annotation may carry its fix on the lines below.
  for (const a of run.annotations.filter(a => a.command === 'error' && !a.properties.title)) {
    expect(a.message.split('\n')).toHaveLength(1)
  }
}

/** The action's names for a route: its own call names use the singular kind (`run.service.get`). */
function callNames(route: string): string[] {
  const names = [route, route.replace(/^run\.services\./, 'run.service.')]
  if (route === 'github.oidc.token') names.push('credential_source.url')
  if (route === 'artifactregistry.tags.get') names.push('artifactregistry.tags.get')
  return names
}

/**
 * The grant invariant: the repository's policy gains the service agent's binding only in a run that
 * reports `granted` in its outputs and summary.
 */
function expectGrantReported(emulator: Emulator, run: ActionRun, hadBinding: boolean): void {
  const bound = (emulator.getPolicy(REPOSITORY).bindings ?? []).some(
    b => b.role === READER && b.members?.includes(SERVICE_AGENT)
  )
  if (bound && !hadBinding) {
    expect(run.outputs.service_agent_access).toBe('granted')
    expect(run.summary).toMatch(/granted/i)
  }
}

async function withFault(
  scenario: string,
  inputs: Record<string, string>,
  fault: FaultRule
): Promise<{ emulator: Emulator; run: ActionRun; hadBinding: boolean }> {
  const emulator = await startTestEmulator(scenario)
  const hadBinding = (emulator.getPolicy(REPOSITORY).bindings ?? []).some(
    b => b.role === READER && b.members?.includes(SERVICE_AGENT)
  )
  emulator.addFault(fault)
  const result = await run(emulator, inputs)
  return { emulator, run: result, hadBinding }
}

test('the clean run calls the endpoints this suite covers', () => {
  expect(deployRoutes).toEqual(
    expect.arrayContaining([
      'github.oidc.token',
      'sts.token',
      'iamcredentials.generateAccessToken',
      'cloudresourcemanager.projects.get',
      'run.services.get',
      'run.services.create'
    ])
  )
  expect(grantRoutes).toContain('artifactregistry.repositories.setIamPolicy')
})

const cases = [
  ...deployRoutes.map(route => ({ scenario: 'seed-granted', inputs: {}, route })),
  ...grantRoutes.map(route => ({ scenario: 'demo', inputs: GRANT_INPUTS, route }))
].map(c => ({ ...c, name: `${c.scenario}: ${c.route}` }))

/**
 * The transient faults a retry must absorb are armed on every route of a scenario at once, in one run:
 * harsher than one route at a time (every call meets them), and a sixth of the runs.
 */
const scenarios = [
  { scenario: 'seed-granted', inputs: {}, routes: deployRoutes },
  { scenario: 'demo', inputs: GRANT_INPUTS, routes: grantRoutes }
]

async function withFaultOnEvery(
  scenario: string,
  inputs: Record<string, string>,
  routes: readonly string[],
  fault: Omit<FaultRule, 'route'>
): Promise<{ emulator: Emulator; run: ActionRun; hadBinding: boolean }> {
  const emulator = await startTestEmulator(scenario)
  const hadBinding = (emulator.getPolicy(REPOSITORY).bindings ?? []).some(
    b => b.role === READER && b.members?.includes(SERVICE_AGENT)
  )
  for (const route of routes) emulator.addFault({ ...fault, route })
  const result = await run(emulator, inputs)
  return { emulator, run: result, hadBinding }
}

describe('503 twice on every call, then normal answers: the run succeeds', () => {
  test.concurrent.each(scenarios)(
    '$scenario',
    async ({ scenario, inputs, routes }) => {
      const {
        emulator,
        run: result,
        hadBinding
      } = await withFaultOnEvery(scenario, inputs, routes, {
        kind: 'status',
        status: 503,
        times: 2
      })
      try {
        expect(errorsOf(result)).toEqual([])
        expect(result.exitCode).toBe(0)
        expectClean(result)
        // Absorbed by the retry, not worked around: nothing the run reports mentions the outage (the
        // debug log, which names each retry, aside).
        const reported = result.stdout.split('\n').filter(line => !line.startsWith('::debug::'))
        expect(reported.join('\n')).not.toMatch(/UNAVAILABLE|currently unavailable/)
        for (const route of routes) {
          const statuses = emulator.requestLog.filter(r => r.name === route).map(r => r.status)
          expect([route, ...statuses.slice(0, 3)]).toEqual([route, 503, 503, expect.any(Number)])
        }
        expect(result.outputs.url).toMatch(/^https:\/\//)
        expectGrantReported(emulator, result, hadBinding)
      } finally {
        await emulator.close()
      }
    },
    CASE_TIMEOUT_MS
  )
})

describe('503 forever: the run ends in bounded time and says which call failed', () => {
  test.concurrent.each(cases)(
    '$name',
    async ({ scenario, inputs, route }) => {
      const {
        emulator,
        run: result,
        hadBinding
      } = await withFault(scenario, inputs, {
        route,
        kind: 'status',
        status: 503
      })
      try {
        expectClean(result)
        const names = callNames(route)
        const said = [...result.annotations.map(a => a.message), result.summary].join('\n')
        if (result.exitCode === 0) {
          // Only a call the checks can do without may fail and the run go on: then it says so.
          expect(said).toMatch(/UNAVAILABLE|unavailable/)
          expect(names.some(name => said.includes(name)) || /Troubleshooter/.test(said)).toBe(true)
        } else {
          expect(result.exitCode).toBe(1)
          // The step's failure line (the findings' annotations, with titles, come before it).
          const error = result.annotations.find(
            a => a.command === 'error' && !a.properties.title
          )?.message
          expect(names.some(name => error?.includes(name))).toBe(true)
          expect(error).toMatch(/UNAVAILABLE/)
        }
        // Bounded retries: the policy's five attempts per call, never a storm (how long that took is
        // the benchmark's to measure, not this test's).
        const attempts = emulator.requestLog.filter(r => r.name === route).length
        expect(attempts).toBeLessThanOrEqual(20)
        for (const wait of retryWaits(result)) expect(wait.attempt).toBeLessThan(5)
        expectGrantReported(emulator, result, hadBinding)
      } finally {
        await emulator.close()
      }
    },
    CASE_TIMEOUT_MS
  )
})

describe('a connection dropped mid-answer: the run recovers or fails clearly', () => {
  test.concurrent.each(cases)(
    '$name',
    async ({ scenario, inputs, route }) => {
      const {
        emulator,
        run: result,
        hadBinding
      } = await withFault(scenario, inputs, {
        route,
        kind: 'drop',
        times: 1
      })
      try {
        expectClean(result)
        if (result.exitCode !== 0) {
          expect(result.exitCode).toBe(1)
          expect(errorsOf(result)).toHaveLength(1)
        }
        expectGrantReported(emulator, result, hadBinding)
      } finally {
        await emulator.close()
      }
    },
    CASE_TIMEOUT_MS
  )
})

describe('429 with Retry-After on every call: honoured, and the run succeeds', () => {
  test.concurrent.each(scenarios)(
    '$scenario',
    async ({ scenario, inputs, routes }) => {
      const {
        emulator,
        run: result,
        hadBinding
      } = await withFaultOnEvery(scenario, inputs, routes, {
        kind: 'status',
        status: 429,
        retryAfterSeconds: 1,
        times: 1
      })
      try {
        expect(errorsOf(result)).toEqual([])
        expect(result.exitCode).toBe(0)
        expectClean(result)
        for (const route of routes) {
          const first = emulator.requestLog.find(r => r.name === route)
          // The same request again (a route may serve several concurrent calls, e.g. two projects).
          const calls = emulator.requestLog.filter(r => r.name === route && r.path === first?.path)
          expect([route, calls[0]?.status, calls.length >= 2]).toEqual([route, 429, true])
        }
        // Every wait the action chose after a 429 honoured Retry-After: 1 s.
        const waits = retryWaits(result).filter(w => w.status === 'RESOURCE_EXHAUSTED')
        expect(waits.length).toBeGreaterThanOrEqual(routes.length)
        for (const wait of waits) expect(wait.ms).toBeGreaterThanOrEqual(1000)
        expectGrantReported(emulator, result, hadBinding)
      } finally {
        await emulator.close()
      }
    },
    CASE_TIMEOUT_MS
  )
})
