import type { GrantRecord } from '../checks/index.js'
import type { ResourceKind } from '../config.js'
import type { RegionResult } from '../deploy/index.js'
import type { Finding } from '../findings.js'
import type { IamWrite } from '../journal.js'

export type ServiceAgentAccess = 'ok' | 'granted' | 'missing' | 'unknown' | 'not-needed' | 'skipped'

/**
 * What happened, the spine of every report: a Finding answers "who may do what", the outcome "what
 * happened". `deployed` and `failed` carry a result per region; `blocked` means the checks stopped the run
 * before any deploy; `dry-run` deployed nothing on purpose; `cancelled` was stopped by the runner.
 */
export type OutcomeKind = 'deployed' | 'failed' | 'blocked' | 'dry-run' | 'cancelled'

export interface Outcome {
  readonly kind: OutcomeKind
  /** One line that leads the summary, the PR comment and the step's last log line. */
  readonly headline: string
}

/** What a run learnt and did: the data behind the outputs, the summary and the PR comment. */
export interface RunReport {
  readonly outcome: Outcome
  readonly target: {
    readonly kind: ResourceKind
    readonly name: string
    readonly projectId: string
    readonly projectNumber: string | undefined
    readonly regions: readonly string[]
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
  /** Each finding once, in its final state (src/report/evidence.ts). */
  readonly findings: readonly Finding[]
  /** The audit trail of the one IAM write the action can make. */
  readonly grant?: GrantRecord
  /** IAM writes recorded as they happened (src/journal.ts): what a cancelled run must still report. */
  readonly iamWrites?: readonly IamWrite[]
  /** One per region deployed to (or tried): empty when the run stopped before deploying. */
  readonly regions: readonly RegionResult[]
  /** Said beside the outcome: a pinned traffic split, a metadata field an input replaced. */
  readonly notes: readonly string[]
  readonly durationMs: number
}

/**
 * Whether a finding stops the deploy: a verified missing permission, except the service agent's when a
 * dry run's grant would add it first (the real run would grant, then deploy).
 */
export function isBlocking(report: Pick<RunReport, 'grant'>, finding: Finding): boolean {
  if (finding.status !== 'missing') return false
  return !(finding.check === 'service-agent' && report.grant?.result === 'would-grant')
}
