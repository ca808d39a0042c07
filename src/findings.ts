/**
 * The one idea every report is rendered from: a Finding says whether a principal holds a permission on a
 * resource, where that was learnt, and how to fix it when it does not.
 */
export type FindingStatus = 'ok' | 'missing' | 'unknown'

export interface Fix {
  /** A command an administrator can paste. */
  readonly gcloud: string
  /** The Terraform resource that makes the same grant. */
  readonly terraform: string
}

export interface Finding {
  /** Stable check id, e.g. `service-agent`, `deployer`, `image`. */
  readonly check: string
  /** `permission`: a principal and a permission; `image`: whether the image exists at all. */
  readonly kind: 'permission' | 'image'
  readonly principal: string
  readonly permission: string
  readonly resource: string
  readonly status: FindingStatus
  /** `check`: found before the deploy; `deploy`: diagnosed from a failed deploy. */
  readonly source: 'check' | 'deploy'
  /** One or two sentences in the user's words: what was found and, for unknown, what could not be read. */
  readonly detail: string
  readonly fix?: Fix
  /** How the answer changed during the run, in a few words: "unknown before the deploy, proven by it". */
  readonly history?: string
}
