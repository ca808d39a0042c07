/**
 * Pure policy evaluation: does a principal hold a permission on a resource, judged from the allow policies
 * of the resource and its ancestors? The answer is never a guess: a conditional binding, a policy that
 * could not be read, a role whose permissions are not known, or a member that may hold the principal (a
 * group, a domain, a principal set: see `mightInclude`) make it `unknown`, with the reason. Deny policies
 * are seen only through Policy Troubleshooter.
 */
import type { iam_v1 } from 'googleapis/build/src/apis/iam/v1.js'

export type Policy = iam_v1.Schema$Policy

/** A resource in the chain from the resource itself up to the organisation, with its policy if readable. */
export interface PolicyNode {
  /** `projects/P/locations/L/repositories/R`, `projects/P`, `folders/N`, `organizations/N`. */
  readonly resource: string
  readonly policy: Policy | undefined
  /** Why the policy is missing (e.g. the permission that was denied), when it is. */
  readonly unreadable?: { readonly reason: string; readonly roleThatCanRead: string }
}

/** A role's permissions, or why they are not known. */
export type RolePermissions =
  | { readonly known: true; readonly permissions: ReadonlySet<string> }
  | { readonly known: false; readonly reason: string }

export type AccessVerdict =
  | {
      readonly status: 'ok'
      readonly grantedBy: {
        readonly resource: string
        readonly role: string
        readonly member: string
      }
    }
  | { readonly status: 'missing' }
  | { readonly status: 'unknown'; readonly reasons: readonly string[] }

/** The members that certainly stand for a principal in a policy. */
export function membersFor(principal: string): ReadonlySet<string> {
  return new Set([principal, 'allUsers', 'allAuthenticatedUsers'])
}

/**
 * Members whose content the action cannot list, and that might hold the principal: a Google group, a
 * domain, a principal set other than a workload or workforce identity pool's (those hold federated
 * identities only, never a Google service account). They make an answer unknown, never missing.
 */
export function mightInclude(member: string, principal: string): boolean {
  if (member === principal) return false
  if (member.startsWith('group:') || member.startsWith('domain:')) return true
  if (member.startsWith('principalSet://')) {
    return !/^principalSet:\/\/iam\.googleapis\.com\/(?:projects\/[^/]+\/)?locations\/global\/(?:workloadIdentityPools|workforcePools)\//.test(
      member
    )
  }
  return false
}

/** The roles that matter for a principal: those bound to any of its members, anywhere in the chain. */
export function rolesBoundTo(principal: string, chain: readonly PolicyNode[]): Set<string> {
  const members = membersFor(principal)
  const roles = new Set<string>()
  for (const node of chain) {
    for (const binding of node.policy?.bindings ?? []) {
      const bound = binding.members?.some(m => members.has(m) || mightInclude(m, principal))
      if (binding.role && bound) roles.add(binding.role)
    }
  }
  return roles
}

export function evaluateAccess(
  principal: string,
  permission: string,
  chain: readonly PolicyNode[],
  roles: ReadonlyMap<string, RolePermissions>
): AccessVerdict {
  const members = membersFor(principal)
  const reasons: string[] = []
  for (const node of chain) {
    if (!node.policy) {
      if (node.unreadable) {
        reasons.push(
          `the IAM policy of ${node.resource} could not be read (${node.unreadable.reason}); ` +
            `${node.unreadable.roleThatCanRead} would let the action read it`
        )
      }
      continue
    }
    for (const binding of node.policy.bindings ?? []) {
      const member = binding.members?.find(m => members.has(m))
      const maybe = member ? undefined : binding.members?.find(m => mightInclude(m, principal))
      if (!binding.role || (!member && !maybe)) continue
      const role = roles.get(binding.role)
      if (!role || !role.known) {
        reasons.push(
          `the permissions of ${binding.role} (bound on ${node.resource}) are not known` +
            (role && !role.known ? `: ${role.reason}` : '')
        )
        continue
      }
      if (!role.permissions.has(permission)) continue
      if (!member) {
        reasons.push(
          `${binding.role} on ${node.resource} is granted to ${maybe}, which may include ${principal}; ` +
            'the action cannot list its members'
        )
        continue
      }
      if (binding.condition) {
        const title = binding.condition.title ? ` "${binding.condition.title}"` : ''
        reasons.push(
          `${binding.role} on ${node.resource} is granted under the condition${title} ` +
            `(${binding.condition.expression ?? 'no expression'}), which the action does not evaluate`
        )
        continue
      }
      return { status: 'ok', grantedBy: { resource: node.resource, role: binding.role, member } }
    }
  }
  return reasons.length ? { status: 'unknown', reasons } : { status: 'missing' }
}
