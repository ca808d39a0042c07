/**
 * IAM's limits: an allow policy refers to at most 1,500 principals, each occurrence counted
 * (emulator/iam.ts, MAX_POLICY_PRINCIPALS). A repository whose policy is already full refuses the one
 * binding the service agent needs.
 */
import type { Policy, Scenario } from '../core.js'
import { MAX_POLICY_PRINCIPALS, policyPrincipals } from '../iam.js'
import { editPolicy, user, variant } from './helpers.js'
import { REPOSITORY, demo } from './seed.js'

/** Adds readers (`user:reader-0001@example.com`, ...) until the policy refers to exactly `total` principals. */
function filledTo(total: number) {
  return (current: Policy | undefined): Policy => {
    const base: Policy = structuredClone(current ?? { version: 1, bindings: [] })
    const missing = total - policyPrincipals(base).length
    const members = Array.from({ length: missing }, (_, i) =>
      user(`reader-${String(i + 1).padStart(4, '0')}@example.com`)
    )
    return {
      ...base,
      bindings: [...(base.bindings ?? []), { role: 'roles/artifactregistry.reader', members }]
    }
  }
}

export const policyFull: Scenario = variant(
  demo,
  'policy-full',
  "The demo, with myrepo's policy already at IAM's 1,500-principal limit: adding the service agent's binding is refused.",
  s => editPolicy(s, REPOSITORY, filledTo(MAX_POLICY_PRINCIPALS))
)
