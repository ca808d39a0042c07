/**
 * Shared by the deploy end-to-end tests: run the built action as the deployer (the external_account file
 * google-github-actions/auth leaves, impersonating the deployer) and read back what a user sees and what
 * the emulator holds afterwards.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Emulator } from '../../emulator/server.js'
import { REGION, TARGET_PROJECT } from '../../emulator/scenarios/seed.js'
import type { ActionRun, RunOptions } from '../harness/runAction.js'
import { runAsDeployer } from './permissions-support.js'

export const LOCATION = `projects/${TARGET_PROJECT}/locations/${REGION}`
export const serviceName = (id: string) => `${LOCATION}/services/${id}`
export const jobName = (id: string) => `${LOCATION}/jobs/${id}`
export const workerPoolName = (id: string) => `${LOCATION}/workerPools/${id}`

/** Cloud Run's URL for a service of the seed's target project (project number 111111111111). */
export const serviceUrl = (id: string, tag?: string) =>
  `https://${tag ? `${tag}---` : ''}${id}-111111111111.${REGION}.run.app`

export const TRAFFIC_LATEST = 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST'
export const TRAFFIC_REVISION = 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION'

/** The labels every deploy adds (skip_default_labels: false), with the harness's GITHUB_SHA. */
export const DEFAULT_LABELS = {
  'managed-by': 'cloud-run-deploy-action',
  'commit-sha': '0123456789abcdef0123456789abcdef01234567'
} as const

/** Inputs every deploy test shares: the target project and region. */
export const target = { project_id: TARGET_PROJECT, region: REGION }

/** Runs the action as the deployer, with the target project and region every deploy test shares. */
export function runDeploy(
  emulator: Emulator,
  inputs: Record<string, string>,
  options: Omit<RunOptions, 'inputs'> = {}
): Promise<ActionRun> {
  return runAsDeployer(emulator, { ...target, ...inputs }, options)
}

export const errors = (run: ActionRun) => run.annotations.filter(a => a.command === 'error')

/** The step's failure line: core.setFailed's error annotation, the one without a title. */
export const failureMessage = (run: ActionRun) =>
  errors(run)
    .filter(a => !a.properties.title)
    .at(-1)?.message ?? ''

/** Calls of one Cloud Run method (`run.services.patch`, ...) this run made. */
export const calls = (emulator: Emulator, name: string) =>
  emulator.requestLog.filter(r => r.name === name)

/** What a user must never see: a stack trace, or the line that reports a bug in the action. */
export function expectNoStackTrace(run: ActionRun) {
  for (const text of [run.stdout, run.stderr]) {
    expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
    expect(text).not.toContain('Unexpected error')
  }
}

/** Writes a metadata file in a fresh temporary directory; returns its path. */
export function metadataFile(name: string, content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'metadata-')), name)
  writeFileSync(path, content)
  return path
}

export interface FindingJson {
  check: string
  principal: string
  permission: string
  resource: string
  status: string
  source: string
  detail: string
  fix?: { gcloud: string; terraform: string }
}

export const missingPermissions = (run: ActionRun) =>
  JSON.parse(run.outputs.missing_permissions ?? '[]') as FindingJson[]

/** A resource without the fields every accepted deploy changes, for comparing before and after. */
export function withoutDeployState<T extends object>(resource: T | undefined): Partial<T> {
  const copy = structuredClone(resource ?? {}) as Record<string, unknown>
  for (const field of [
    'generation',
    'observedGeneration',
    'etag',
    'updateTime',
    'lastModifier',
    'latestCreatedRevision',
    'latestReadyRevision',
    'conditions',
    'terminalCondition',
    'reconciling',
    'client',
    'clientVersion'
  ]) {
    delete copy[field]
  }
  return copy as Partial<T>
}
