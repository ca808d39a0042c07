import type { Policy } from './evaluate.js'

/** Whether the policy already grants `role` to `member` without a condition. */
export function hasUnconditionalBinding(policy: Policy, role: string, member: string): boolean {
  return (policy.bindings ?? []).some(
    b => b.role === role && !b.condition && (b.members ?? []).includes(member)
  )
}

/**
 * The policy with `member` added to `role`, everything else as it was: other bindings, their members and
 * conditions, audit configs, the etag and the version are carried over untouched, so the write that follows
 * is a true read-modify-write. Returns undefined when the binding is already there (nothing to write).
 */
export function withBinding(policy: Policy, role: string, member: string): Policy | undefined {
  if (hasUnconditionalBinding(policy, role, member)) return undefined
  const bindings = [...(policy.bindings ?? [])]
  const index = bindings.findIndex(b => b.role === role && !b.condition)
  if (index >= 0) {
    const existing = bindings[index]
    bindings[index] = { ...existing, members: [...(existing?.members ?? []), member] }
  } else {
    bindings.push({ role, members: [member] })
  }
  return { ...policy, bindings }
}
