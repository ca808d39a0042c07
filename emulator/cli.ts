/**
 * `npm run --silent emulator -- [--scenario NAME] [--write-env FILE] [--port N] ...` (see USAGE). Not
 * `--env-file`: Node 24 reads that option even after the script's name, as its own.
 *
 * Starts the emulator, writes the external_account file google-github-actions/auth would leave, and prints
 * `export NAME='value'` lines that point the action (or gcloud-style tools) at it, ready for `eval`. With
 * --write-env it also writes `NAME=value` lines to FILE once it is listening (GitHub's env-file format, and
 * what `set -a; . FILE` reads), atomically, so a script can wait for the file. Stays up until SIGINT,
 * SIGTERM or SIGHUP. Steer it while it runs through http://127.0.0.1:PORT/__emulator/ (log, faults,
 * options, policy).
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { getScenario, SCENARIOS } from './scenarios/index.js'
import { startEmulator } from './server.js'

const USAGE = `Usage: npm run --silent emulator -- [options]

Starts a local emulator of the Google APIs the action calls, and prints the environment that points the
action at it as export lines (eval "$(...)" reads them). Ctrl-C stops it.

Options:
  --scenario NAME            the world it starts with (default: seed); --list shows them all
  --list                     list the scenarios, one per line, and exit
  --write-env FILE           also write NAME=value lines to FILE once listening
  --port N                   listen on port N (default: a free one)
  --operation-delay MS       how long a deploy or execution takes (default: 0)
  --propagation-delay MS     how long a new IAM binding takes to count (default: 0)
  --latency MS               added to every request (default: 0)
  --service-account EMAIL    impersonate this account (default: the scenario's deployer@)
  --direct                   no impersonation: act as the federated principal itself
  --project ID               the project to export as CLOUDSDK_CORE_PROJECT (default: the scenario's first)
  --help                     show this help and exit`

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

/** Writes aside and renames, so that a reader polling for the file never sees half of it. */
function writeAtomically(path: string, content: string): void {
  const aside = join(dirname(path), `.${process.pid}.tmp`)
  writeFileSync(aside, content)
  renameSync(aside, path)
}

async function main() {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'seed' },
      list: { type: 'boolean', default: false },
      'write-env': { type: 'string' },
      port: { type: 'string' },
      'operation-delay': { type: 'string' },
      'propagation-delay': { type: 'string' },
      latency: { type: 'string' },
      'service-account': { type: 'string' },
      direct: { type: 'boolean', default: false },
      project: { type: 'string' },
      help: { type: 'boolean', default: false }
    },
    strict: true
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  if (values.list) {
    const width = Math.max(...Object.keys(SCENARIOS).map(name => name.length))
    for (const scenario of Object.values(SCENARIOS)) {
      console.log(`${scenario.name.padEnd(width)}  ${scenario.description}`)
    }
    return
  }
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
  // For scripts: `kill "$EMULATOR_PID"` stops it. A signal sent to `npm run` alone stops at the shell npm
  // starts the script in (dash does not pass it on); Ctrl-C in a terminal reaches every process.
  lines.EMULATOR_PID = String(process.pid)
  const envFile = values['write-env'] ? resolve(values['write-env']) : undefined
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    void emulator.close().finally(() => {
      rmSync(dir, { recursive: true, force: true })
      if (envFile) rmSync(envFile, { force: true })
      process.exit(0)
    })
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, stop)

  for (const [name, value] of Object.entries(lines)) console.log(`export ${name}=${quoted(value)}`)
  if (envFile) {
    writeAtomically(
      envFile,
      Object.entries(lines)
        .map(([name, value]) => `${name}=${value}\n`)
        .join('')
    )
  }
  console.error(
    `emulator: scenario ${scenario.name} at ${emulator.url}` +
      (serviceAccount ? `, impersonating ${serviceAccount}` : '') +
      (envFile ? `; environment in ${envFile}` : '') +
      '; Ctrl-C to stop'
  )
}

main().catch((error: unknown) => {
  console.error(`emulator: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
