import type { ResourceKind } from '../config.js'
import type { GrantRecord } from '../checks/index.js'
import type { Finding } from '../findings.js'

export type ServiceAgentAccess = 'ok' | 'granted' | 'missing' | 'unknown' | 'not-needed' | 'skipped'

/** What a run learnt and did: the data behind the outputs, the summary and the PR comment. */
export interface RunReport {
  readonly target: {
    readonly kind: ResourceKind
    readonly name: string
    readonly projectId: string
    readonly projectNumber: string | undefined
    readonly region: string
  }
  readonly image: string
  readonly imageProject: string | undefined
  readonly repository: string | undefined
  readonly crossProject: boolean
  readonly serviceAgent: string | undefined
  readonly serviceAgentAccess: ServiceAgentAccess
  /** Why no service-agent check was needed, or why it was skipped. */
  readonly serviceAgentNote: string | undefined
  readonly imageDigest: string | undefined
  readonly authenticatedAs: string | undefined
  readonly authMethod: string | undefined
  readonly dryRun: boolean
  readonly findings: readonly Finding[]
  /** The audit trail of the one IAM write the action can make. */
  readonly grant?: GrantRecord
  readonly deploy?: {
    readonly url?: string
    readonly revision?: string
    readonly execution?: string
  }
}

/**
 * Whether a finding stops the deploy: a verified missing permission, except the service agent's when a
 * dry run's grant would add it first (the real run would grant, then deploy).
 */
export function isBlocking(report: Pick<RunReport, 'grant'>, finding: Finding): boolean {
  if (finding.status !== 'missing') return false
  return !(finding.check === 'service-agent' && report.grant?.result === 'would-grant')
}
