/**
 * Issue 10, "the report tells the whole story", end to end: what a user sees of a run (the job summary,
 * the step's log and error, the annotations and the outputs) leads with the outcome, says why a
 * container did not start in its own last log lines, settles the service agent's access with what the
 * deploy proved, never lets a publishing channel change the outcome, and never prints any part of a
 * value from an input error. The IAM writes (logged, failed, cancelled) are in report-iam.test.ts.
 *
 * Runs are independent (their own resource names, or their own emulator), so they run side by side; the
 * emulators are started once, on first use, because test.concurrent bodies start before nested hooks.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { variant, withBinding } from '../../emulator/scenarios/helpers.js'
import {
  DEPLOYER,
  IMAGE,
  IMAGE_DIGESTS,
  REGION,
  REPOSITORY,
  SERVICE_AGENT,
  SERVICE_AGENT_EMAIL,
  TARGET_PROJECT,
  seed,
  seedGranted
} from '../../emulator/scenarios/seed.js'
import type { Emulator } from '../../emulator/server.js'
import { startTestEmulator } from '../harness/emulator.js'
import { uniqueName, type ActionRun } from '../harness/runAction.js'
import {
  calls,
  errors,
  expectNoStackTrace,
  failureMessage,
  metadataFile,
  runDeploy,
  serviceName,
  serviceUrl
} from './deploy-support.js'
import { report, warnings, type ReportJson } from './permissions-support.js'

const V1 = `${IMAGE}:v1`
/** An image in the target project's own repository: the service agent pulls it without any grant. */
const SAME_PROJECT_V1 = `${REGION}-docker.pkg.dev/${TARGET_PROJECT}/app/api:v1`
const READ = 'artifactregistry.repositories.downloadArtifacts'
const FIX =
  'gcloud artifacts repositories add-iam-policy-binding myrepo --project=myproject-b ' +
  `--location=asia-northeast1 --member=${SERVICE_AGENT} --role=roles/artifactregistry.reader`
const LOGS_VIEWER = 'roles/logging.viewer'

/**
 * A container that never listens on its port (the emulator's EMULATOR_FAIL=start) after printing three
 * lines (EMULATOR_LOG), given as the base spec (`metadata`) so that the image input applies on top.
 */
const CRASHING = metadataFile(
  'crashing.yaml',
  [
    'template:',
    '  containers:',
    '    - env:',
    '        - name: EMULATOR_FAIL',
    '          value: start',
    '        - name: EMULATOR_LOG',
    '          value: "Connecting to the database\\nError: DATABASE_URL is not set\\n    at connect (/app/db.js:12:11)"'
  ].join('\n')
)

/** seed-granted, with a deployer that may read the target project's logs (roles/logging.viewer). */
const logsReadable = variant(
  seedGranted,
  'report-logs-readable',
  'seed-granted, with the deployer roles/logging.viewer on myproject-a (it can read why a container failed).',
  s => withBinding(s, `projects/${TARGET_PROJECT}`, LOGS_VIEWER, DEPLOYER)
)

type RunReportJson = ReportJson & {
  outcome: { kind: string; headline: string }
  findings: (ReportJson['findings'][number] & { history?: string })[]
}
const runReport = (run: ActionRun) => report(run) as RunReportJson

/** The part of the summary before the permission findings: what happened. */
const outcomePart = (summary: string) => summary.split('\n### ')[0] ?? ''
/** The step's last log line, as the runner shows it (a workflow command's message, else the line). */
const lastLogLine = (run: ActionRun) => {
  const line = run.stdout.trimEnd().split('\n').at(-1) ?? ''
  return /^::[a-z]+[^:]*::/.test(line) ? (run.commands.at(-1)?.message ?? '') : line
}
const count = (text: string, part: string) => text.split(part).length - 1
/** Calls of one method answered while this run was running (runs on the same emulator overlap). */
const during = (emulator: Emulator, run: ActionRun, name: string) =>
  calls(emulator, name).filter(
    r => r.startedAt >= run.spawnedAt && r.endedAt <= run.spawnedAt + run.durationMs
  )
const shortName = (name: string | null | undefined) => name?.split('/').pop()

/** Emulators started on first use and closed after the file: test.concurrent bodies skip nested hooks. */
const started: Promise<Emulator>[] = []
function shared(start: () => Promise<Emulator>): () => Promise<Emulator> {
  let emulator: Promise<Emulator> | undefined
  return () => {
    if (!emulator) started.push((emulator = start()))
    return emulator
  }
}
afterAll(async () => {
  for (const emulator of await Promise.all(started)) await emulator.close()
})

/**
 * Logs arrive 9.5 s (on the emulator's clock) after they are written: the action's first look finds none
 * (it comes well within that, even on a loaded machine), and its wait of 10 s from then still sees them.
 */
const readable = shared(() =>
  startTestEmulator(logsReadable, { operationDelayMs: 200, logIngestionDelayMs: 9500 })
)
/** The seed, with its least-privilege deployer: it cannot read myrepo's policy, nor any log. */
const leastPrivilege = shared(() => startTestEmulator(seed, { operationDelayMs: 200 }))

describe('the outcome leads', () => {
  test.concurrent(
    'a cross-project deploy by the least-privilege deployer: ✅ Deployed with URL, revision, digest, duration and traffic; the agent proven ok, no warning',
    async () => {
      // Issue 10: "The summary and PR comment never say whether the deploy worked" and "A successful
      // deploy leaves service_agent_access=unknown ... and a warning that suggests an IAM change".
      const emulator = await readable()
      const id = uniqueName('ok')
      const run = await runDeploy(emulator, { service: id, image: V1 })

      expect(errors(run)).toEqual([])
      expect(run.exitCode).toBe(0)
      const service = emulator.cloudRun.getService(serviceName(id))
      const revision = shortName(service?.latestReadyRevision) ?? '(none)'
      expect(run.outputs).toMatchObject({
        outcome: 'deployed',
        url: serviceUrl(id),
        revision,
        image_digest: IMAGE_DIGESTS.v1,
        service_agent_access: 'ok'
      })
      const { outcome } = runReport(run)
      expect(outcome.headline).toBe(`Deployed ${id}: revision ${revision}, ${serviceUrl(id)}.`)
      // The step ends on the outcome's headline.
      expect(lastLogLine(run)).toBe(outcome.headline)

      // The summary opens with the outcome and everything about the deploy, before any finding.
      expect(run.summary.startsWith(`## ✅ Deployed: service \`${id}\` in \`${REGION}\`\n`)).toBe(
        true
      )
      const top = outcomePart(run.summary)
      expect(top).toContain(serviceUrl(id))
      expect(top).toContain(`\`${revision}\``)
      expect(top).toContain(IMAGE_DIGESTS.v1)
      expect(top).toContain('new revision 100%; 100% latest')
      expect(top).toMatch(/\| \d+(\.\d)? s \|/)
      expect(top).toContain('[logs](https://console.cloud.google.com/logs/query;query=')

      // The checks could not read myrepo's policy; the revision that became ready proves the access.
      const agent = runReport(run).findings.filter(f => f.check === 'service-agent')
      expect(agent).toEqual([
        expect.objectContaining({
          status: 'ok',
          history: 'unknown before the deploy, proven by it'
        })
      ])
      expect(run.summary).not.toContain('⚠️ unknown')
      expect(run.summary).toContain('| **Service agent access** | `ok`: Cloud Run pulled the image')
      expect(run.summary).not.toMatch(/`ok`: Could not verify/)
      // Nothing to fix, and nothing that suggests an IAM change.
      expect(warnings(run)).toEqual([])
      expect(run.summary).not.toContain('### How to fix')
      expect(run.summary).not.toContain('add-iam-policy-binding')
      expectNoStackTrace(run)
    }
  )

  test.concurrent(
    'a container that fails to start: its reason, revision, last log lines (waited for) and logs link, and no permission fix',
    async () => {
      // Issue 10: a CONTAINER_FAILED_TO_START of a same-project image "shows no reason and no logs link"
      // and "has a How to fix section recommending the service-agent grant"; "fetch its last log lines
      // ... with a short wait for ingestion, and show them in the summary and in the error".
      const emulator = await readable()
      const id = uniqueName('crash')
      const run = await runDeploy(emulator, {
        service: id,
        image: SAME_PROJECT_V1,
        metadata: CRASHING
      })

      expect(run.exitCode).toBe(1)
      const revision = shortName(
        emulator.cloudRun.getService(serviceName(id))?.latestCreatedRevision
      )
      expect(revision).toMatch(new RegExp(`^${id}-00001-`))
      expect(run.outputs).toMatchObject({ outcome: 'failed', revision, url: '' })

      // The lines were not there at the first look (ingestion delay): the action asked again.
      const reads = during(emulator, run, 'logging.entries.list')
      expect(reads.length).toBeGreaterThan(1)

      const top = outcomePart(run.summary)
      expect(run.summary.startsWith(`## ❌ Failed: service \`${id}\` in \`${REGION}\`\n`)).toBe(
        true
      )
      expect(top).toContain('`HEALTH_CHECK_CONTAINER_ERROR`')
      expect(top).toContain(`(revision \`${revision}\`)`)
      expect(top).toMatch(
        /Last 5 log lines \(\[Logs Explorer\]\(https:\/\/console\.cloud\.google\.com\/logs\/query;query=[^)\s]+\)\):/
      )
      const block = /```text\n([\s\S]*?)\n```/.exec(top)?.[1] ?? ''
      expect(block.split('\n').map(line => line.replace(/^\S+ \S+ /, ''))).toEqual([
        'Connecting to the database',
        'Error: DATABASE_URL is not set',
        '    at connect (/app/db.js:12:11)',
        'Container called exit(1).',
        `Default STARTUP TCP probe failed 1 time consecutively for container "${id}-1" on port 8080. The instance was not started.`
      ])

      // The step's error: Cloud Run's reason and the last lines, where a user looks first.
      const failure = failureMessage(run)
      expect(failure).toContain(
        `The deploy of ${serviceName(id)} failed (HEALTH_CHECK_CONTAINER_ERROR)`
      )
      expect(failure).toContain(
        'Last log lines: Connecting to the database | Error: DATABASE_URL is not set | at connect (/app/db.js:12:11) | Container called exit(1).'
      )
      expect(lastLogLine(run)).toBe(runReport(run).outcome.headline)

      // Not a permission problem: no fix of any kind, no finding, no annotation but the step's error.
      expect(run.summary).not.toContain('### How to fix')
      expect(run.summary).not.toContain('add-iam-policy-binding')
      expect(JSON.parse(run.outputs.missing_permissions ?? '')).toEqual([])
      expect(run.annotations.map(a => a.command)).toEqual(['error'])
      expectNoStackTrace(run)
    }
  )

  test.concurrent(
    'the same failure without roles/logging.viewer: the summary and the error say which role would show the lines',
    async () => {
      // Issue 10: "If the deployer may not read logs, say which role would let it."
      const emulator = await leastPrivilege()
      const id = uniqueName('crash')
      const run = await runDeploy(emulator, {
        service: id,
        image: SAME_PROJECT_V1,
        metadata: CRASHING
      })

      expect(run.exitCode).toBe(1)
      expect(run.outputs.outcome).toBe('failed')
      const denied = during(emulator, run, 'logging.entries.list').filter(r => r.status === 403)
      expect(denied.length).toBeGreaterThan(0)
      expect(outcomePart(run.summary)).toMatch(
        /No container log: the deployer may not read logs \\\(logging\.logEntries\.list\\\); `roles\/logging\.viewer` would let the deployer read it\. \[Logs Explorer\]\(https:\/\/console\.cloud\.google\.com\/logs\/query;query=/
      )
      expect(failureMessage(run)).toContain(
        `(No container log here: the deployer may not read logs (logging.logEntries.list); ${LOGS_VIEWER} would let the deployer read it.)`
      )
      expect(run.summary).not.toContain('DATABASE_URL')
      expect(run.summary).not.toContain('### How to fix')
      expectNoStackTrace(run)
    }
  )
})

describe("the seed's failed pull, settled by the deploy", () => {
  test.concurrent(
    'unknown before the deploy, refused by it: one missing finding with its history, one fix block',
    async () => {
      // Issue 10: "A failed pull reports the same finding twice. One row says unknown, the next
      // missing; the fix block is repeated; and a row reads "`missing`: Could not verify…"."
      const emulator = await leastPrivilege()
      const id = uniqueName('seed')
      const run = await runDeploy(emulator, { service: id, image: V1 })

      expect(run.exitCode).toBe(1)
      expect(emulator.cloudRun.getService(serviceName(id))?.terminalCondition?.reason).toBe(
        'CONTAINER_PERMISSION_DENIED'
      )
      expect(run.outputs).toMatchObject({ outcome: 'failed', service_agent_access: 'missing' })

      // Once, in its final state, with how it got there.
      const agent = runReport(run).findings.filter(f => f.principal === SERVICE_AGENT)
      expect(agent).toEqual([
        expect.objectContaining({
          permission: READ,
          resource: REPOSITORY,
          status: 'missing',
          history: "unknown before the deploy; the deploy's pull was refused"
        })
      ])
      const rows = run.summary
        .split('\n')
        .filter(l => l.startsWith(`| ❌ missing | \`${SERVICE_AGENT}\``))
      expect(rows).toHaveLength(1)
      expect(rows[0]).toContain("\\(unknown before the deploy; the deploy's pull was refused.\\)")
      expect(count(run.summary, `\`${SERVICE_AGENT}\` | \`${READ}\``)).toBe(1)
      expect(run.summary).not.toContain('⚠️ unknown')
      expect(run.summary).not.toMatch(/`missing`: Could not verify/)
      expect(run.summary).toContain(
        `| **Service agent access** | \`missing\`: Cloud Run's service agent could not pull ${V1}.`
      )

      // The fix: one block in the summary, one annotation (an error, never also an "unverified" warning).
      expect(count(run.summary, '### How to fix')).toBe(1)
      expect(count(run.summary, `\`\`\`sh\n${FIX}\n\`\`\``)).toBe(1)
      expect(count(run.summary, '```hcl')).toBe(1)
      const annotations = run.annotations.filter(a => a.properties.title)
      expect(annotations).toEqual([
        expect.objectContaining({
          command: 'error',
          properties: expect.objectContaining({ title: `Missing ${READ}` }) as unknown
        })
      ])
      expect(annotations[0]?.message).toContain(`Fix: ${FIX}`)
      expect(failureMessage(run)).toContain(
        `Cloud Run's service agent ${SERVICE_AGENT_EMAIL} cannot pull ${V1} (CONTAINER_PERMISSION_DENIED). Fix: ${FIX}`
      )
      expectNoStackTrace(run)
    }
  )
})

describe('publishing never changes the outcome', () => {
  test.concurrent(
    'no GITHUB_STEP_SUMMARY: no summary, and the deploy succeeds with its url and revision',
    async () => {
      // Issue 10: "Without GITHUB_STEP_SUMMARY (older GHES, compatible runners, local runs), a successful
      // deploy ends as "Unexpected error (a bug in this action…)", and url and revision are cleared."
      const emulator = await readable()
      const id = uniqueName('nosummary')
      const run = await runDeploy(
        emulator,
        { service: id, image: V1 },
        { env: { GITHUB_STEP_SUMMARY: undefined } }
      )

      expect(errors(run)).toEqual([])
      expect(run.exitCode).toBe(0)
      expect(run.outputs).toMatchObject({
        outcome: 'deployed',
        url: serviceUrl(id),
        revision: shortName(emulator.cloudRun.getService(serviceName(id))?.latestReadyRevision)
      })
      expect(run.summary).toBe('')
      expect(run.stdout).toContain('GITHUB_STEP_SUMMARY is not set: no job summary written.')
      expect(lastLogLine(run)).toBe(runReport(run).outcome.headline)
      expectNoStackTrace(run)
    }
  )

  test.concurrent(
    'pr_comment on a pull request with a plain-http GITHUB_API_URL on another host: a warning, and the deploy succeeds',
    async () => {
      // Issue 10: "An http GITHUB_API_URL on a non-loopback host does the same" (ends the run as a bug).
      const emulator = await readable()
      const id = uniqueName('httpapi')
      const api = 'http://github.example.com/api/v3'
      const run = await runDeploy(
        emulator,
        { service: id, image: V1, pr_comment: 'true' },
        {
          eventName: 'pull_request',
          event: { pull_request: { number: 7 }, repository: { full_name: 'octo-org/octo-repo' } },
          env: { GITHUB_API_URL: api }
        }
      )

      expect(errors(run)).toEqual([])
      expect(run.exitCode).toBe(0)
      expect(run.outputs).toMatchObject({ outcome: 'deployed', url: serviceUrl(id) })
      expect(warnings(run).map(w => w.message)).toEqual([
        `pr_comment: GITHUB_API_URL ${api} is plain http to another host: the token would cross the network unencrypted, so no comment was posted.`
      ])
      expect(run.summary.startsWith('## ✅ Deployed')).toBe(true)
      expectNoStackTrace(run)
    }
  )

  test.concurrent.each([
    [
      'a path in a directory that does not exist',
      () => join(tmpdir(), uniqueName('gone'), 'summary.md')
    ],
    ['a directory', () => mkdtempSync(join(tmpdir(), 'summary-dir-'))]
  ])(
    'a GITHUB_STEP_SUMMARY that cannot be written (%s) during a failed deploy: the deploy’s own error stands',
    async (_what, path) => {
      // Issue 10: "If the summary write fails inside the failure path, it hides the real deploy error."
      const emulator = await leastPrivilege()
      const id = uniqueName('badsummary')
      const run = await runDeploy(
        emulator,
        { service: id, image: V1, service_agent_access: 'skip' },
        { env: { GITHUB_STEP_SUMMARY: path() } }
      )

      expect(run.exitCode).toBe(1)
      expect(failureMessage(run)).toBe(
        `Cloud Run's service agent ${SERVICE_AGENT_EMAIL} cannot pull ${V1} (CONTAINER_PERMISSION_DENIED). Fix: ${FIX}`
      )
      expect(warnings(run).map(w => w.message)).toEqual([
        expect.stringMatching(
          /^Could not publish the job summary: .+\. The deploy's outcome is unchanged\.$/
        )
      ])
      // The other channels went out as usual.
      expect(run.outputs).toMatchObject({ outcome: 'failed', service_agent_access: 'missing' })
      expect(errors(run).map(a => a.properties.title)).toEqual([`Missing ${READ}`, undefined])
      expectNoStackTrace(run)
    }
  )
})

describe('input errors never print a value, nor any part of one', () => {
  // Issue 10: "env_vars splits values and can leak parts of them. An unescaped comma silently splits a
  // value. If the part after the comma is invalid, the error prints it, and the runner cannot mask a
  // fragment of a secret." Each error names the input, the entry's position and (when it is no fragment
  // of a value) its key.
  const inputErrors = shared(() => startTestEmulator(seed))

  test.concurrent.each([
    [
      'env_vars: an unescaped comma splits a value',
      { env_vars: 'PASSWORD=hunter2,oops' },
      'Input env_vars: entry 2: expected KEY=VALUE, but this entry has no "="'
    ],
    [
      'env_vars: the fragment after the comma looks like a key',
      { env_vars: 'PASSWORD=hunter2,oops and=more' },
      'Input env_vars: entry 2: expected a variable name without "=" or whitespace.'
    ],
    [
      'env_vars: a value that ends in a lone backslash',
      { env_vars: 'MODE=fast\nPASSWORD=hunter2oops\\' },
      'Input env_vars: entry 2 (PASSWORD): expected a character after the final \\'
    ],
    [
      'secrets: the secret itself pasted where its name belongs',
      { secrets: 'DB_PASSWORD=hunter2:oops:1' },
      'Input secrets: entry 1 (DB_PASSWORD): expected a secret reference'
    ],
    [
      'secrets: an unescaped comma',
      { secrets: 'DB_PASSWORD=db-password:latest,hunter2oops' },
      'Input secrets: entry 2: expected KEY=VALUE'
    ],
    [
      'labels: a value that is no label value',
      { labels: 'team=Hunter2 oops' },
      'Input labels: entry 1 (team): expected label values of at most 63 lower-case letters'
    ]
  ])('%s', async (_what, inputs, expected) => {
    const emulator = await inputErrors()
    const run = await runDeploy(emulator, { service: uniqueName('input'), image: V1, ...inputs })

    expect(run.exitCode).toBe(1)
    expect(failureMessage(run).startsWith(expected)).toBe(true)
    for (const text of [run.stdout, run.stderr, run.summary, JSON.stringify(run.outputs)]) {
      expect(text.toLowerCase()).not.toContain('hunter2')
      expect(text.toLowerCase()).not.toContain('oops')
    }
    // Refused before any call: this emulator serves only these runs, and none reached it.
    expect(emulator.requestLog).toEqual([])
    expectNoStackTrace(run)
  })
})
