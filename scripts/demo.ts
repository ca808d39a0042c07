/**
 * The main job, as a newcomer sees it: the article's situation in the emulator (deploy to myproject-a, image
 * in myproject-b's repository, the service agent without access), and the built action run three times —
 * `check` stops with the fix, `grant` grants the one binding, waits out IAM propagation and deploys, and a
 * rerun deploys without touching IAM. Exits non-zero if any run does not end as described.
 * Run: npm run demo (after npm ci).
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator } from '../emulator/server.js'
import {
  PROVIDER,
  DEPLOYER_EMAIL,
  IMAGE,
  REGION,
  REPOSITORY,
  SERVICE_AGENT
} from '../emulator/scenarios/seed.js'
import { runAction, type ActionRun } from '../__tests__/harness/runAction.js'

const PROPAGATION_MS = 4000
const emulator = await startEmulator('demo', {
  propagationDelayMs: PROPAGATION_MS,
  operationDelayMs: 300
})
const credentials = emulator.writeExternalAccountFile(mkdtempSync(join(tmpdir(), 'demo-')), {
  provider: PROVIDER,
  serviceAccount: DEPLOYER_EMAIL
})
const inputs = { service: 'hello', image: `${IMAGE}:v1`, region: REGION, project_id: 'myproject-a' }
const env = { ...emulator.env, GOOGLE_APPLICATION_CREDENTIALS: credentials }
const failures: string[] = []

function show(title: string, run: ActionRun) {
  console.log(`\n=== ${title} (exit code ${run.exitCode}, ${Math.round(run.durationMs)} ms)`)
  for (const line of run.stdout.split('\n')) {
    if (!line || line.startsWith('::add-mask::') || line.startsWith('::debug::')) continue
    const annotation = /^::(error|warning|notice)[^:]*::(.*)$/.exec(line)
    console.log(
      annotation ? `[${annotation[1]}] ${annotation[2]?.replace(/%0A/g, '\n    ')}` : `  ${line}`
    )
  }
  const { url, revision, service_agent_access, missing_permissions } = run.outputs
  console.log(
    `  outputs: service_agent_access=${service_agent_access} url=${url ?? ''} revision=${revision ?? ''}`
  )
  if (missing_permissions && missing_permissions !== '[]') {
    const missing = JSON.parse(missing_permissions) as { permission: string; principal: string }[]
    console.log(
      `  missing_permissions: ${missing.map(m => `${m.principal} ${m.permission}`).join('; ')}`
    )
  }
}

function expect(condition: boolean, what: string) {
  console.log(`  ${condition ? 'ok  ' : 'FAIL'} ${what}`)
  if (!condition) failures.push(what)
}

const iamWrites = () => emulator.requestLog.filter(r => r.name.endsWith('setIamPolicy')).length
const deploys = () =>
  emulator.requestLog.filter(r => /^run\.services\.(create|patch)$/.test(r.name)).length

try {
  const check = await runAction({ inputs: { ...inputs, service_agent_access: 'check' }, env })
  show('1. service_agent_access: check', check)
  expect(check.exitCode === 1, 'the run fails before deploying')
  expect(
    check.annotations.some(
      a => a.command === 'error' && a.message.includes('roles/artifactregistry.reader')
    ),
    'an error annotation carries the fix'
  )
  expect(deploys() === 0 && iamWrites() === 0, 'nothing was deployed and no IAM was written')

  emulator.clearLog()
  const grant = await runAction({ inputs: { ...inputs, service_agent_access: 'grant' }, env })
  show('2. service_agent_access: grant', grant)
  const bindings = emulator.getPolicy(REPOSITORY).bindings ?? []
  const reader = bindings.filter(
    b => b.role === 'roles/artifactregistry.reader' && b.members?.includes(SERVICE_AGENT)
  )
  expect(grant.exitCode === 0, 'the run succeeds')
  expect(
    reader.length === 1 && iamWrites() === 1,
    'exactly one binding was written, on the repository'
  )
  expect(grant.stdout.includes('propagat'), 'it waited for IAM to propagate')
  expect(grant.outputs.url?.startsWith('https://hello-') ?? false, 'the service URL is an output')

  emulator.clearLog()
  const rerun = await runAction({ inputs: { ...inputs, service_agent_access: 'grant' }, env })
  show('3. rerun', rerun)
  expect(rerun.exitCode === 0 && iamWrites() === 0, 'the rerun deploys without writing IAM')
  expect(rerun.outputs.service_agent_access === 'ok', 'service_agent_access is ok')
} finally {
  await emulator.close()
}

if (failures.length) {
  console.error(`\nDemo FAILED: ${failures.join('; ')}`)
  process.exit(1)
}
console.log('\nDemo: all three runs ended as described.')
