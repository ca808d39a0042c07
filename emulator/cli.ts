/**
 * `npm run emulator -- --scenario NAME [--port N] [--operation-delay MS] [--propagation-delay MS]
 * [--latency MS] [--service-account EMAIL | --direct] [--project ID]`
 *
 * Starts the emulator, writes the external_account file google-github-actions/auth would leave, and
 * prints `export NAME=value` lines that point the action (or gcloud-style tools) at it. Stays up until
 * SIGINT/SIGTERM. Steer it while it runs through http://127.0.0.1:PORT/__emulator/ (log, faults,
 * options, policy).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { getScenario } from './scenarios/index.js'
import { startEmulator } from './server.js'

function nonNegativeInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new Error(`${flag} takes a non-negative integer, got ${value}`)
  return parsed
}

/** Single-quoted for a POSIX shell. */
function quoted(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`
}

async function main() {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'seed' },
      port: { type: 'string' },
      'operation-delay': { type: 'string' },
      'propagation-delay': { type: 'string' },
      latency: { type: 'string' },
      'service-account': { type: 'string' },
      direct: { type: 'boolean', default: false },
      project: { type: 'string' }
    },
    strict: true
  })
  const scenario = getScenario(values.scenario)
  const options = {
    port: nonNegativeInteger(values.port, '--port') ?? 0,
    operationDelayMs: nonNegativeInteger(values['operation-delay'], '--operation-delay'),
    propagationDelayMs: nonNegativeInteger(values['propagation-delay'], '--propagation-delay'),
    latencyMs: nonNegativeInteger(values.latency, '--latency')
  }
  const emulator = await startEmulator(
    scenario,
    Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined))
  )

  // The deployer to impersonate: as given, or the scenario's `deployer@` account, unless --direct.
  const deployer = scenario.serviceAccounts?.find(a => a.email.startsWith('deployer@'))?.email
  const serviceAccount = values.direct ? undefined : (values['service-account'] ?? deployer)
  const dir = mkdtempSync(join(tmpdir(), 'gcp-emulator-'))
  const credentials = scenario.workloadIdentityProviders?.length
    ? emulator.writeExternalAccountFile(dir, { serviceAccount })
    : undefined
  const project = values.project ?? scenario.projects[0]?.projectId ?? ''

  const lines: Record<string, string> = { ...emulator.env }
  if (credentials) {
    lines.GOOGLE_APPLICATION_CREDENTIALS = credentials
    lines.GOOGLE_GHA_CREDS_PATH = credentials
  }
  lines.CLOUDSDK_CORE_PROJECT = project
  lines.GOOGLE_CLOUD_PROJECT = project
  for (const [name, value] of Object.entries(lines)) console.log(`export ${name}=${quoted(value)}`)
  console.error(
    `emulator: scenario ${scenario.name} at ${emulator.url}` +
      (serviceAccount ? `, impersonating ${serviceAccount}` : '') +
      '; Ctrl-C to stop'
  )

  const stop = () => {
    void emulator.close().finally(() => {
      rmSync(dir, { recursive: true, force: true })
      process.exit(0)
    })
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((error: unknown) => {
  console.error(`emulator: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
