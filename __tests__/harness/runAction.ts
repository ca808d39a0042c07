/**
 * Runs the built action (dist/index.js) in a child process exactly as the GitHub runner does: inputs as
 * INPUT_* variables with the runner's name mangling and action.yml's defaults, the runner's files for
 * outputs, summary and event, and a clean environment. Collects what a user would see.
 */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import YAML from 'yaml'

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const DIST = join(PROJECT_ROOT, 'dist', 'index.js')

export interface WorkflowCommand {
  readonly command: string
  readonly properties: Readonly<Record<string, string>>
  readonly message: string
}

export interface ActionRun {
  readonly exitCode: number | null
  readonly stdout: string
  readonly stderr: string
  readonly outputs: Readonly<Record<string, string>>
  readonly summary: string
  readonly commands: readonly WorkflowCommand[]
  /** error, warning and notice commands. */
  readonly annotations: readonly WorkflowCommand[]
  /** Values registered with ::add-mask:: */
  readonly masked: readonly string[]
  readonly durationMs: number
  /** performance.now() just before the process was spawned (same clock as the emulator's request log). */
  readonly spawnedAt: number
}

export interface RunOptions {
  /** Inputs by their action.yml names; unset ones get action.yml's defaults, as on the runner. */
  readonly inputs?: Readonly<Record<string, string>>
  /** Extra environment (emulator endpoints, credentials, ...). */
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly eventName?: string
  readonly event?: unknown
  readonly repository?: string
  /** Kill the action after this long (a safety net for a hung run, not a timing assertion). */
  readonly killAfterMs?: number
  /** Arguments for node before the script (e.g. `--import` of a measuring preload; npm run bench). */
  readonly nodeArgs?: readonly string[]
  /** Sends `signal` to the action once `when` resolves: the runner cancelling the step halfway. */
  readonly cancel?: { readonly when: Promise<unknown>; readonly signal: NodeJS.Signals }
}

interface ActionYaml {
  inputs: Record<string, { default?: string }>
}

const actionYaml = YAML.parse(readFileSync(join(PROJECT_ROOT, 'action.yml'), 'utf8')) as ActionYaml

/** The runner's mangling: spaces to underscores, upper case (hyphens stay). */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

/** A token for `${{ github.token }}`, fixed so tests can look for it in what the action printed. */
export const FAKE_GITHUB_TOKEN = 'ghs_harnessGithubToken0123456789abcdef'

function defaultInputs(): Record<string, string> {
  const defaults: Record<string, string> = {}
  for (const [name, spec] of Object.entries(actionYaml.inputs)) {
    if (spec.default === undefined) continue
    defaults[name] =
      spec.default === '${{ github.token }}' ? FAKE_GITHUB_TOKEN : String(spec.default)
  }
  return defaults
}

export async function runAction(options: RunOptions = {}): Promise<ActionRun> {
  const temp = mkdtempSync(join(tmpdir(), 'action-run-'))
  const outputFile = join(temp, 'output')
  const summaryFile = join(temp, 'summary.md')
  const eventFile = join(temp, 'event.json')
  const runnerTemp = join(temp, 'runner-temp')
  const workspace = join(temp, 'workspace')
  for (const dir of [runnerTemp, workspace]) mkdirSync(dir)
  for (const file of [
    outputFile,
    summaryFile,
    join(temp, 'state'),
    join(temp, 'env'),
    join(temp, 'path')
  ]) {
    writeFileSync(file, '')
  }
  writeFileSync(eventFile, JSON.stringify(options.event ?? {}))
  const repository = options.repository ?? 'octo-org/octo-repo'

  const inputs = { ...defaultInputs(), ...options.inputs }
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? temp,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_STATE: join(temp, 'state'),
    GITHUB_ENV: join(temp, 'env'),
    GITHUB_PATH: join(temp, 'path'),
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_EVENT_NAME: options.eventName ?? 'push',
    GITHUB_REPOSITORY: repository,
    GITHUB_REPOSITORY_OWNER: repository.split('/')[0] ?? '',
    GITHUB_WORKSPACE: workspace,
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_RUN_ID: '1',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_WORKFLOW_REF: `${repository}/.github/workflows/deploy.yml@refs/heads/main`,
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: 'Linux'
  }
  for (const [name, value] of Object.entries(inputs)) env[inputVariable(name)] = value
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name]
    else env[name] = value
  }

  const spawned = spawnNode(
    [...(options.nodeArgs ?? []), DIST],
    env,
    workspace,
    options.killAfterMs,
    options.cancel
  )
  const { exitCode, stdout, stderr } = await spawned.done
  const durationMs = performance.now() - spawned.at
  const commands = parseCommands(stdout)
  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseFileCommand(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
    commands,
    annotations: commands.filter(c => ['error', 'warning', 'notice'].includes(c.command)),
    masked: commands.filter(c => c.command === 'add-mask').map(c => c.message),
    durationMs,
    spawnedAt: spawned.at
  }
}

function spawnNode(
  args: readonly string[],
  env: Record<string, string>,
  cwd: string,
  killAfterMs = 120_000,
  cancel?: RunOptions['cancel']
) {
  const at = performance.now()
  const done = new Promise<{ exitCode: number | null; stdout: string; stderr: string }>(
    (resolve, failed) => {
      // process.execPath: the Node the tests run on (24, from node_modules/.bin), as action.yml's node24.
      const child = spawn(process.execPath, args, {
        env,
        cwd,
        stdio: ['ignore', 'pipe', 'pipe']
      })
      let stdout = ''
      let stderr = ''
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
      const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
      void cancel?.when.then(() => child.exitCode === null && child.kill(cancel.signal))
      child.on('error', failed)
      child.on('close', code => {
        clearTimeout(timer)
        resolve({ exitCode: code, stdout, stderr })
      })
    }
  )
  return { at, done }
}

// Workflow command escaping, as @actions/core writes it.
const unescapeData = (s: string) =>
  s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
const unescapeProperty = (s: string) => unescapeData(s).replace(/%3A/g, ':').replace(/%2C/g, ',')

export function parseCommands(stdout: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = []
  for (const line of stdout.split(/\r?\n/)) {
    const match = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line)
    if (!match) continue
    const properties: Record<string, string> = {}
    for (const pair of (match[2] ?? '').split(',').filter(Boolean)) {
      const at = pair.indexOf('=')
      properties[pair.slice(0, at)] = unescapeProperty(pair.slice(at + 1))
    }
    commands.push({ command: match[1] ?? '', properties, message: unescapeData(match[3] ?? '') })
  }
  return commands
}

/** GITHUB_OUTPUT's format: `name<<DELIMITER`, the value's lines, `DELIMITER` (or `name=value`). */
export function parseFileCommand(content: string): Record<string, string> {
  const values: Record<string, string> = {}
  const lines = content.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name, delimiter] = heredoc
      const value: string[] = []
      while (++i < lines.length && lines[i] !== delimiter) value.push(lines[i] ?? '')
      values[name ?? ''] = value.join('\n')
    } else if (line.includes('=')) {
      values[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1)
    }
  }
  return values
}

/** A unique name, for tests that need fresh resources. */
export const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`
