/**
 * Issue 10, the IAM write in the report, end to end: `service_agent_access: grant` logs its write in the
 * step's output as it happens (who, which role, which resource, the etag before and after); a grant that
 * fails for another reason than a denial (the 1,500-principal limit) still publishes the full report with
 * the manual fix; and a run the runner cancels while the write is in flight records it in the summary and
 * the outputs before it exits. Each run needs a repository policy of its own, so each has its own
 * emulator, and the three run side by side.
 */
import {
  DEPLOYER,
  IMAGE,
  REGION,
  REPOSITORY,
  SERVICE_AGENT
} from '../../emulator/scenarios/seed.js'
import type { Policy } from '../../emulator/core.js'
import { startTestEmulator } from '../harness/emulator.js'
import { uniqueName, type ActionRun } from '../harness/runAction.js'
import { failureMessage, runDeploy, serviceName, serviceUrl } from './deploy-support.js'
import {
  deployCalls,
  errors,
  iamWrites,
  missingPermissions,
  report,
  warnings,
  type ReportJson
} from './permissions-support.js'

const V1 = `${IMAGE}:v1`
const READER = 'roles/artifactregistry.reader'
const DOWNLOAD = 'artifactregistry.repositories.downloadArtifacts'
const SET_POLICY = 'artifactregistry.repositories.setIamPolicy'
const FIX =
  'gcloud artifacts repositories add-iam-policy-binding myrepo --project=myproject-b ' +
  `--location=asia-northeast1 --member=${SERVICE_AGENT} --role=${READER}`
const TERRAFORM = [
  'resource "google_artifact_registry_repository_iam_member" "artifactregistry_reader" {',
  '  project    = "myproject-b"',
  '  location   = "asia-northeast1"',
  '  repository = "myrepo"',
  `  role       = "${READER}"`,
  `  member     = "${SERVICE_AGENT}"`,
  '}'
].join('\n')

type IamWriteJson = { resource: string; member: string; role: string; by: string; state: string }
const runReport = (run: ActionRun) =>
  report(run) as ReportJson & { outcome: { kind: string }; iamWrites?: IamWriteJson[] }
const lines = (run: ActionRun) => run.stdout.split('\n')
const agentHolds = (policy: Policy) =>
  (policy.bindings ?? []).some(b => b.role === READER && (b.members ?? []).includes(SERVICE_AGENT))

test.concurrent(
  'grant: the IAM write is logged as it happens, with who, which role, which resource and both etags',
  async () => {
    // Issue 10: "The IAM write into another project is never logged in the step output. It appears only
    // in the summary."
    const emulator = await startTestEmulator('demo', { operationDelayMs: 200 })
    try {
      const before = emulator.getPolicy(REPOSITORY).etag
      const id = uniqueName('grant')
      const run = await runDeploy(emulator, {
        service: id,
        image: V1,
        service_agent_access: 'grant'
      })

      expect(errors(run)).toEqual([])
      expect(run.exitCode).toBe(0)
      const after = emulator.getPolicy(REPOSITORY).etag
      expect(after).not.toBe(before)
      expect(agentHolds(emulator.getPolicy(REPOSITORY))).toBe(true)
      expect(iamWrites(emulator)).toHaveLength(1)

      const sending =
        `IAM write: adding ${READER} for ${SERVICE_AGENT} on ${REPOSITORY}, as ${DEPLOYER} ` +
        `(policy etag ${before}, attempt 1).`
      const written =
        `IAM write done: ${SERVICE_AGENT} now holds ${READER} on ${REPOSITORY} ` +
        `(policy etag ${before} → ${after}).`
      const log = lines(run)
      // Logged when it happens: before the write's answer, and both before the deploy starts.
      const at = (line: string) => log.indexOf(line)
      expect(at(sending)).toBeGreaterThanOrEqual(0)
      expect(at(written)).toBeGreaterThan(at(sending))
      expect(
        log.findIndex(l => l.startsWith(`Creating service ${serviceName(id)}`))
      ).toBeGreaterThan(at(written))
      expect(run.outputs).toMatchObject({
        outcome: 'deployed',
        url: serviceUrl(id),
        service_agent_access: 'granted'
      })
      expect(run.summary).toContain(
        `Granted \`${READER}\` to \`${SERVICE_AGENT}\` on \`${REPOSITORY}\`, as \`${DEPLOYER}\` ` +
          `(attempts: 1). Policy etag \`${before}\` → \`${after}\`.`
      )
    } finally {
      await emulator.close()
    }
  }
)

test.concurrent(
  'a grant refused for the 1,500-principal limit (400): the full report with the manual fix, exit 1',
  async () => {
    // Issue 10: "A grant that fails for a reason other than denial publishes nothing. For example, the
    // 1,500-member limit (400) gives one line, and no summary, annotations or fix."
    const emulator = await startTestEmulator('policy-full', { operationDelayMs: 200 })
    try {
      const before = emulator.getPolicy(REPOSITORY)
      const id = uniqueName('full')
      const run = await runDeploy(emulator, {
        service: id,
        image: V1,
        service_agent_access: 'grant'
      })

      expect(run.exitCode).toBe(1)
      expect(iamWrites(emulator).map(r => r.status)).toEqual([400])
      expect(emulator.getPolicy(REPOSITORY)).toEqual(before)
      expect(deployCalls(emulator)).toEqual([])

      // The step's error says the grant failed, and why.
      const failure = failureMessage(run)
      expect(failure).toContain(
        `1 required permission is missing (${DOWNLOAD}); nothing was deployed.`
      )
      expect(failure).toContain(
        `The grant failed: ${SET_POLICY}: INVALID_ARGUMENT: The number of members in the policy (1,501) is larger than the maximum allowed size 1,500.`
      )
      expect(failure).not.toContain('1,500..')

      // The summary: the outcome, the findings, the manual fix in gcloud and Terraform, the write tried.
      expect(
        run.summary.startsWith(`## ⛔ Blocked by the checks: service \`${id}\` in \`${REGION}\``)
      ).toBe(true)
      expect(run.summary).toContain(
        `| ❌ missing | \`${SERVICE_AGENT}\` | \`${DOWNLOAD}\` | \`${REPOSITORY}\` |`
      )
      expect(run.summary).toContain(
        `| ⚠️ unknown | \`${DEPLOYER}\` | \`${SET_POLICY}\` | \`${REPOSITORY}\` | The grant failed:`
      )
      expect(run.summary).toContain('### How to fix')
      // One block for the one command that fixes both the access and the grant that failed.
      expect(run.summary.split(`\`\`\`sh\n${FIX}\n\`\`\``)).toHaveLength(2)
      expect(run.summary).toContain(
        `**${DOWNLOAD}** for \`${SERVICE_AGENT}\` on \`${REPOSITORY}\`, and **${SET_POLICY}** for \`${DEPLOYER}\` on \`${REPOSITORY}\`:`
      )
      expect(run.summary).toContain(`\`\`\`hcl\n${TERRAFORM}\n\`\`\``)
      expect(run.summary).toContain(
        `Not applied: grant of \`${READER}\` to \`${SERVICE_AGENT}\` on \`${REPOSITORY}\`, as \`${DEPLOYER}\` (policy etag \`${before.etag}\`).`
      )

      // The annotations: the missing access as an error with the fix, the failed grant as a warning.
      const titled = run.annotations.filter(a => a.properties.title)
      expect(titled.map(a => [a.command, a.properties.title])).toEqual([
        ['error', `Missing ${DOWNLOAD}`],
        ['warning', `Unverified ${SET_POLICY}`]
      ])
      expect(titled[0]?.message).toContain(`Fix: ${FIX}`)
      expect(titled[0]?.message).toContain(`Terraform:\n${TERRAFORM}`)

      // The outputs.
      expect(run.outputs).toMatchObject({ outcome: 'blocked', service_agent_access: 'missing' })
      expect(missingPermissions(run)).toEqual([
        expect.objectContaining({
          principal: SERVICE_AGENT,
          permission: DOWNLOAD,
          status: 'missing'
        })
      ])
      expect(runReport(run).iamWrites).toEqual([
        expect.objectContaining({ resource: REPOSITORY, member: SERVICE_AGENT, state: 'failed' })
      ])
    } finally {
      await emulator.close()
    }
  }
)

test.concurrent(
  'cancelled while the write is in flight: the summary and the outputs record it, and a warning says what was done',
  async () => {
    // Issue 10: "Cancellation is not handled. If the runner cancels between setIamPolicy and publishing,
    // a binding is left with no record of it." The runner sends SIGTERM while Artifact Registry has
    // applied the write and its answer is still on its way (held by the emulator until after the exit).
    const emulator = await startTestEmulator('demo', { operationDelayMs: 200 })
    try {
      const hold = emulator.holdResponse(SET_POLICY)
      const id = uniqueName('cancel')
      const run = await runDeploy(
        emulator,
        { service: id, image: V1, service_agent_access: 'grant' },
        { cancel: { when: hold.arrived, signal: 'SIGTERM' } }
      )
      hold.release()

      expect(run.exitCode).toBe(1)
      // The write happened, and nothing was deployed after it.
      expect(agentHolds(emulator.getPolicy(REPOSITORY))).toBe(true)
      expect(deployCalls(emulator)).toEqual([])
      expect(run.stdout).toContain(
        `IAM write: adding ${READER} for ${SERVICE_AGENT} on ${REPOSITORY}`
      )

      // A warning says what was done.
      expect(warnings(run).map(w => w.message)).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^Cancelled by the runner \\(SIGTERM\\)\\. IAM writes before the cancel: ${READER} for ${SERVICE_AGENT} on ${REPOSITORY} \\((sent|written)\\)\\.$`
          )
        )
      )
      // The outputs record the cancel and the write.
      expect(run.outputs.outcome).toBe('cancelled')
      expect(runReport(run).outcome.kind).toBe('cancelled')
      expect(runReport(run).iamWrites).toEqual([
        expect.objectContaining({
          resource: REPOSITORY,
          member: SERVICE_AGENT,
          role: READER,
          by: DEPLOYER,
          state: expect.stringMatching(/^(sent|written)$/) as unknown
        })
      ])
      // The summary records it too, and is whole: one outcome, written once, to its last block.
      expect(run.summary.startsWith(`## ⏹️ Cancelled: service \`${id}\` in \`${REGION}\``)).toBe(
        true
      )
      expect(run.summary.match(/^## /gm)).toHaveLength(1)
      expect(run.summary).toContain('### IAM changes')
      expect(run.summary).toMatch(
        new RegExp(
          `(Sent, answer not received: grant of|Granted) \`${READER}\` to \`${SERVICE_AGENT}\` on \`${REPOSITORY}\`, as \`${DEPLOYER}\``
        )
      )
      expect(run.summary.endsWith('</details>\n')).toBe(true)
    } finally {
      await emulator.close()
    }
  }
)

test.concurrent(
  'cancelled before the checks end: no report yet, but the outcome output and a warning say so',
  async () => {
    // Nothing has been decided or written yet; a later `if: always()` step still learns the outcome.
    const emulator = await startTestEmulator('demo', { operationDelayMs: 200 })
    try {
      const hold = emulator.holdResponse('artifactregistry.repositories.getIamPolicy')
      const run = await runDeploy(
        emulator,
        { service: uniqueName('cancel-early'), image: V1, service_agent_access: 'grant' },
        { cancel: { when: hold.arrived, signal: 'SIGINT' } }
      )
      hold.release()

      expect(run.exitCode).toBe(1)
      expect(run.outputs.outcome).toBe('cancelled')
      expect(warnings(run).map(w => w.message)).toContain(
        'Cancelled by the runner (SIGINT). No IAM write was made.'
      )
      expect(agentHolds(emulator.getPolicy(REPOSITORY))).toBe(false)
      expect(deployCalls(emulator)).toEqual([])
    } finally {
      await emulator.close()
    }
  }
)
