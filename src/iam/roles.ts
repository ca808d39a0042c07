import type { Gcp } from '../google/gcp.js'
import { toGoogleCallError } from '../google/errors.js'
import type { RolePermissions } from './evaluate.js'
import { PREDEFINED_ROLES } from './predefinedRoles.js'

/**
 * A role's permissions: the built-in table for the predefined roles it knows, `roles.get` (memoised by
 * Gcp for the run) for custom roles and predefined roles newer than the table.
 */
export async function resolveRole(gcp: Gcp, role: string): Promise<RolePermissions> {
  const builtIn = PREDEFINED_ROLES[role]
  if (builtIn) return { known: true, permissions: new Set(builtIn) }
  try {
    const data = await gcp.role(role)
    return { known: true, permissions: new Set(data.includedPermissions ?? []) }
  } catch (thrown) {
    const error = toGoogleCallError('iam.roles.get', thrown)
    const hint = role.startsWith('roles/')
      ? ''
      : ' (roles/iam.roleViewer on its project or organisation can read it)'
    return { known: false, reason: `iam.roles.get: ${error.message}${hint}` }
  }
}

export async function resolveRoles(
  gcp: Gcp,
  roles: Iterable<string>
): Promise<Map<string, RolePermissions>> {
  const names = [...new Set(roles)]
  const resolved = await Promise.all(names.map(role => resolveRole(gcp, role)))
  return new Map(names.map((role, i) => [role, resolved[i] as RolePermissions]))
}
