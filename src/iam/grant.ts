/**
 * The one IAM write this action can make: `roles/artifactregistry.reader` for the service agent on the
 * image's repository. A read-modify-write with policy version 3 and the etag; on 409 (a concurrent
 * change) it re-reads and re-applies with jittered backoff, a bounded number of times. Never blind.
 */
import type { Gcp } from '../google/gcp.js'
import { toGoogleCallError } from '../google/errors.js'
import { withBinding } from './binding.js'
import type { Policy } from './evaluate.js'
import { clock } from '../clock.js'

export interface GrantOutcome {
  /** `granted`: written now; `present`: already there, nothing written. */
  readonly result: 'granted' | 'present'
  readonly attempts: number
  readonly policy: Policy
}

export interface GrantOptions {
  readonly maxAttempts?: number
  readonly baseDelayMs?: number
}

export async function grantRepositoryRole(
  gcp: Gcp,
  repository: string,
  member: string,
  role: string,
  { maxAttempts = 8, baseDelayMs = 100 }: GrantOptions = {}
): Promise<GrantOutcome> {
  for (let attempt = 1; ; attempt++) {
    const current = await gcp.readRepositoryPolicy(repository)
    const updated = withBinding(current, role, member)
    if (!updated) return { result: 'present', attempts: attempt, policy: current }
    try {
      const written = await gcp.setRepositoryPolicy(repository, updated)
      return { result: 'granted', attempts: attempt, policy: written }
    } catch (thrown) {
      const error = toGoogleCallError('artifactregistry.repositories.setIamPolicy', thrown)
      if (error.httpStatus !== 409 || attempt >= maxAttempts) throw error
      // Full jitter: ten writers that collided once should not collide again in lockstep.
      await clock.sleep(Math.random() * baseDelayMs * 2 ** Math.min(attempt, 6))
    }
  }
}
