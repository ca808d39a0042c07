/**
 * Shared by the permission-check, grant and PR-comment end-to-end tests: run the built action as the
 * deployer (ADC from the external_account file google-github-actions/auth leaves, impersonating the
 * deployer), and read back what a user sees — outputs as JSON, annotations, the emulator's writes.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Emulator } from '../../emulator/server.js'
import { DEPLOYER_EMAIL, PROVIDER, REGION, TARGET_PROJECT } from '../../emulator/scenarios/seed.js'
import { runAction, type ActionRun, type RunOptions } from '../harness/runAction.js'

/** A Finding as the `report` and `missing_permissions` outputs carry it. */
export interface FindingJson {
  check: string
  kind: 'permission' | 'image'
  principal: string
  permission: string
  resource: string
  status: 'ok' | 'missing' | 'unknown'
  source: string
  detail: string
  fix?: { gcloud: string; terraform: string }
}

export interface ReportJson {
  target: { kind: string; name: string; projectId: string; projectNumber: string }
  image: string
  imageProject?: string
  repository?: string
  crossProject: boolean
  serviceAgent: string
  serviceAgentAccess: string
  serviceAgentNote?: string
  imageDigest?: string
  authenticatedAs?: string
  dryRun: boolean
  findings: FindingJson[]
  grant?: {
    repository: string
    member: string
    role: string
    by: string
    result: string
    attempts: number
  }
  deploy?: { url?: string; revision?: string }
}

export const baseInputs = (service = 'api') => ({
  service,
  region: REGION,
  project_id: TARGET_PROJECT
})

/** Runs the action as the deployer service account, against `emulator`. */
export function runAsDeployer(
  emulator: Emulator,
  inputs: Record<string, string>,
  options: Omit<RunOptions, 'inputs'> = {}
): Promise<ActionRun> {
  const credentials = emulator.writeExternalAccountFile(mkdtempSync(join(tmpdir(), 'adc-')), {
    provider: PROVIDER,
    serviceAccount: DEPLOYER_EMAIL
  })
  return runAction({
    ...options,
    inputs,
    env: { ...emulator.env, GOOGLE_APPLICATION_CREDENTIALS: credentials, ...options.env }
  })
}

export function report(run: ActionRun): ReportJson {
  expect(run.outputs.report).toBeDefined()
  return JSON.parse(run.outputs.report ?? '') as ReportJson
}

export function missingPermissions(run: ActionRun): FindingJson[] {
  expect(run.outputs.missing_permissions).toBeDefined()
  return JSON.parse(run.outputs.missing_permissions ?? '') as FindingJson[]
}

export const errors = (run: ActionRun) => run.annotations.filter(a => a.command === 'error')
export const warnings = (run: ActionRun) => run.annotations.filter(a => a.command === 'warning')

/** The findings of one check, e.g. `service-agent`. */
export const findingsOf = (run: ActionRun, check: string) =>
  report(run).findings.filter(f => f.check === check)

/** Calls that deploy: run.services.create / patch (and the job and worker-pool equivalents). */
export const deployCalls = (emulator: Emulator) =>
  emulator.requestLog.filter(r => /^run\.[a-zA-Z]+\.(create|patch)$/.test(r.name))

/** Every IAM policy write, on any resource. */
export const iamWrites = (emulator: Emulator) =>
  emulator.requestLog.filter(r => r.name.endsWith('.setIamPolicy'))
