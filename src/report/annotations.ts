/**
 * One annotation per finding that is not ok: an error for a verified missing permission, a warning for an
 * unknown one. Anchored at this action's step in the workflow file when that file can be read, so the
 * annotation shows on the pull request's diff as well as on the run.
 */
import * as core from '@actions/core'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Finding } from '../findings.js'

export interface StepLocation {
  readonly file: string
  readonly startLine: number
}

/**
 * The line of this action's `uses:` in the running workflow: GITHUB_WORKFLOW_REF names the file
 * (`owner/repo/.github/workflows/x.yml@ref`), the checkout in GITHUB_WORKSPACE holds it.
 */
export function findStepLocation(env: NodeJS.ProcessEnv = process.env): StepLocation | undefined {
  const file = /^[^/]+\/[^/]+\/(.+?)@/.exec(env.GITHUB_WORKFLOW_REF ?? '')?.[1]
  const workspace = env.GITHUB_WORKSPACE
  if (!file || !workspace || !existsSync(join(workspace, file))) return undefined
  const lines = readFileSync(join(workspace, file), 'utf8').split(/\r?\n/)
  const action = env.GITHUB_ACTION_REPOSITORY
  const index = lines.findIndex(line => {
    const uses = /^\s*(?:-\s*)?uses:\s*['"]?([^'"\s#]+)/.exec(line)?.[1]
    if (!uses) return false
    return action ? uses.startsWith(`${action}@`) || uses === action : uses.startsWith('./')
  })
  return index >= 0 ? { file, startLine: index + 1 } : undefined
}

export function annotationTitle(finding: Finding): string {
  if (finding.kind === 'image')
    return finding.status === 'missing' ? 'Image not found' : 'Image not verified'
  const verb = finding.status === 'missing' ? 'Missing' : 'Unverified'
  return `${verb} ${finding.permission}`
}

export function annotationMessage(finding: Finding): string {
  const lines = [
    finding.kind === 'permission'
      ? `${finding.principal} ${finding.status === 'missing' ? 'lacks' : 'may lack'} ${finding.permission} on ${finding.resource}.`
      : '',
    finding.detail
  ].filter(Boolean)
  if (finding.fix) {
    lines.push(`Fix: ${finding.fix.gcloud}`, `Terraform:\n${finding.fix.terraform}`)
  }
  return lines.join('\n')
}

/**
 * `blocking` tells an error from a warning: a missing permission that the run will fix itself (a dry
 * run's grant) is a warning, so that a green run carries no error.
 */
export function annotate(
  findings: readonly Finding[],
  location: StepLocation | undefined,
  blocking: (finding: Finding) => boolean = f => f.status === 'missing'
): void {
  for (const finding of findings) {
    if (finding.status === 'ok') continue
    const properties = { title: annotationTitle(finding), ...location }
    const message = annotationMessage(finding)
    if (blocking(finding)) core.error(message, properties)
    else core.warning(message, properties)
  }
}
