/**
 * The one IAM write this action can make: `roles/artifactregistry.reader` for the service agent on the
 * image's repository. A read-modify-write with policy version 3 and the etag; on 409 (a concurrent
 * change) it re-reads and re-applies with jittered backoff, a bounded number of times. Never blind, never
 * silent: each write is logged in the step's output as it happens (who, which role, on which resource, the
 * policy's etag before and after) and recorded in the run's journal.
 */
import * as core from '@actions/core'
import { clock } from '../clock.js'
import type { Gcp } from '../google/gcp.js'
import { toGoogleCallError } from '../google/errors.js'
import { journal, type IamWrite } from '../journal.js'
import { withBinding } from './binding.js'
import type { Policy } from './evaluate.js'

export interface GrantOutcome {
  /** `granted`: written now; `present`: already there, nothing written. */
  readonly result: 'granted' | 'present'
  readonly attempts: number
  readonly policy: Policy
  /** The policy's etag before the write and after it (granted only). */
  readonly etags?: { readonly before: string; readonly after: string }
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
  by: string,
  { maxAttempts = 8, baseDelayMs = 100 }: GrantOptions = {}
): Promise<GrantOutcome> {
  for (let attempt = 1; ; attempt++) {
    const current = await gcp.readRepositoryPolicy(repository)
    const updated = withBinding(current, role, member)
    if (!updated) return { result: 'present', attempts: attempt, policy: current }
    const write: IamWrite = {
      resource: repository,
      member,
      role,
      by,
      state: 'sent',
      etagBefore: current.etag ?? undefined
    }
    journal.iamWrites.push(write)
    core.info(
      `IAM write: adding ${role} for ${member} on ${repository}, as ${by} ` +
        `(policy etag ${current.etag ?? 'none'}, attempt ${attempt}).`
    )
    try {
      const written = await gcp.setRepositoryPolicy(repository, updated)
      write.state = 'written'
      write.etagAfter = written.etag ?? undefined
      core.info(
        `IAM write done: ${member} now holds ${role} on ${repository} ` +
          `(policy etag ${current.etag ?? 'none'} → ${written.etag ?? 'none'}).`
      )
      return {
        result: 'granted',
        attempts: attempt,
        policy: written,
        etags: { before: current.etag ?? '', after: written.etag ?? '' }
      }
    } catch (thrown) {
      write.state = 'failed'
      const error = toGoogleCallError('artifactregistry.repositories.setIamPolicy', thrown)
      core.info(`IAM write not applied: ${error.status}: ${error.message}`)
      if (error.httpStatus !== 409 || attempt >= maxAttempts) throw error
      // Full jitter: ten writers that collided once should not collide again in lockstep.
      await clock.sleep(Math.random() * baseDelayMs * 2 ** Math.min(attempt, 6))
    }
  }
}
