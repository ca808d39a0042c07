/**
 * The README's "Run the action yourself against the emulator" block, run word for word in bash from the
 * project's root, as a newcomer would after `npm ci`: it must end with the outputs and the summary shown.
 */
import { spawn } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { PROJECT_ROOT } from '../harness/runAction.js'

const MARKER = '<!-- run-it-yourself'

/** The first ```sh block after the marker. */
function readmeBlock(): string {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8')
  const after = readme.slice(readme.indexOf(MARKER))
  const block = /```sh\n([\s\S]*?)```/.exec(after)?.[1]
  if (readme.indexOf(MARKER) < 0 || !block)
    throw new Error('README.md has no run-it-yourself block')
  return block
}

function bash(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // What a shell on a fresh machine has: no emulator variables, no runner variables.
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-e', '-c', script], { cwd: PROJECT_ROOT, env })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', code => resolve({ code, stdout, stderr }))
  })
}

// A block that failed halfway leaves its emulator running: stop it by the pid it wrote.
afterEach(() => {
  try {
    const env = readFileSync(join(PROJECT_ROOT, '.local-run', 'emulator.env'), 'utf8')
    const pid = Number(/^EMULATOR_PID=(\d+)$/m.exec(env)?.[1])
    if (pid) process.kill(pid)
  } catch {
    // Nothing left running.
  }
  rmSync(join(PROJECT_ROOT, '.local-run'), { recursive: true, force: true })
})

test('the README block deploys against the emulator and shows the outputs and the summary', async () => {
  rmSync(join(PROJECT_ROOT, '.local-run'), { recursive: true, force: true })
  const result = await bash(readmeBlock())
  expect(result.stderr).not.toContain('Unexpected error')
  expect(result.code).toBe(0)
  // The outputs file, as `cat` shows it, and the summary after it.
  expect(result.stdout).toMatch(
    /^url<<.*\nhttps:\/\/hello-111111111111\.asia-northeast1\.run\.app$/m
  )
  expect(result.stdout).toMatch(/^cross_project<<.*\ntrue$/m)
  expect(result.stdout).toMatch(/^revision<<.*\nhello-\S+$/m)
  expect(result.stdout).toContain('## ✅ Deployed: service `hello`')
}, 60_000)
