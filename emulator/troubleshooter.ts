/**
 * Policy Troubleshooter v3 `iam.troubleshoot`: whether a principal holds a permission on a resource,
 * judged only from the allow policies the *caller* may read
 * (https://cloud.google.com/policy-intelligence/docs/troubleshoot-access: "you need permission to view
 * the allow policies of the resource and its ancestors", otherwise the answer is incomplete).
 */
import type { policytroubleshooter_v3 } from 'googleapis/build/src/apis/policytroubleshooter/v3.js'
import { GoogleApiError, type EmulatorRequest, type Route } from './core.js'
import { permissionDenied, type IamModel } from './iam.js'

type Explanation =
  policytroubleshooter_v3.Schema$GoogleCloudPolicytroubleshooterIamV3ExplainedAllowPolicy
type BindingExplanation =
  policytroubleshooter_v3.Schema$GoogleCloudPolicytroubleshooterIamV3AllowBindingExplanation
type Response =
  policytroubleshooter_v3.Schema$GoogleCloudPolicytroubleshooterIamV3TroubleshootIamPolicyResponse

/** For each kind of policy-bearing resource: the service in its full name and who may read its policy. */
const POLICY_KINDS: readonly { pattern: RegExp; service: string; permission: string }[] = [
  {
    pattern: /^organizations\/[^/]+$/,
    service: 'cloudresourcemanager',
    permission: 'resourcemanager.organizations.getIamPolicy'
  },
  {
    pattern: /^folders\/[^/]+$/,
    service: 'cloudresourcemanager',
    permission: 'resourcemanager.folders.getIamPolicy'
  },
  {
    pattern: /^projects\/[^/]+$/,
    service: 'cloudresourcemanager',
    permission: 'resourcemanager.projects.getIamPolicy'
  },
  {
    pattern: /^projects\/[^/]+\/serviceAccounts\/[^/]+$/,
    service: 'iam',
    permission: 'iam.serviceAccounts.getIamPolicy'
  },
  {
    pattern: /\/repositories\/[^/]+$/,
    service: 'artifactregistry',
    permission: 'artifactregistry.repositories.getIamPolicy'
  },
  { pattern: /\/services\/[^/]+$/, service: 'run', permission: 'run.services.getIamPolicy' },
  { pattern: /\/jobs\/[^/]+$/, service: 'run', permission: 'run.jobs.getIamPolicy' },
  { pattern: /\/workerPools\/[^/]+$/, service: 'run', permission: 'run.workerpools.getIamPolicy' }
]

/** Troubleshooter takes an email; ASSUMPTION: a member with its prefix is accepted as well. */
function memberOf(principal: string): string {
  if (/^[a-zA-Z]+:/.test(principal)) return principal
  return principal.endsWith('.gserviceaccount.com')
    ? `serviceAccount:${principal}`
    : `user:${principal}`
}

export function troubleshooterRoutes(iam: IamModel): Route[] {
  return [
    {
      method: 'POST',
      pattern: /^\/v3\/iam(?::|%3A)troubleshoot$/,
      name: 'policytroubleshooter.iam.troubleshoot',
      handler: req => ({ body: troubleshoot(iam, req) })
    }
  ]
}

function troubleshoot(iam: IamModel, req: EmulatorRequest): Response {
  iam.requireAuthenticated(req.principal)
  const tuple =
    (req.body as { accessTuple?: Record<string, unknown> } | undefined)?.accessTuple ?? {}
  const principal = typeof tuple.principal === 'string' ? tuple.principal : ''
  const fullResourceName = typeof tuple.fullResourceName === 'string' ? tuple.fullResourceName : ''
  const permission = typeof tuple.permission === 'string' ? tuple.permission : ''
  const relative = fullResourceName.match(/^\/\/[a-z0-9.-]+\.googleapis\.com\/(.+)$/)?.[1]
  if (!principal || !relative || !/^[a-z0-9]+\.[a-zA-Z0-9]+\.[a-zA-Z]+$/.test(permission)) {
    throw new GoogleApiError(
      'INVALID_ARGUMENT',
      'accessTuple needs principal, fullResourceName (//SERVICE.googleapis.com/...) and permission.'
    )
  }
  const member = memberOf(principal)
  const levels = iam.ancestry(decodeURIComponent(relative)).flatMap(level => {
    const kind = POLICY_KINDS.find(k => k.pattern.test(level))
    return kind ? [{ level, ...kind }] : []
  })

  let readable = 0
  let granted = false
  let conditional = false
  let unknown = false
  const explainedPolicies: Explanation[] = levels.map(
    ({ level, service, permission: readPermission }) => {
      if (!iam.hasPermission(req.principal, readPermission, level)) {
        unknown = true
        // What the caller may not read is reported without name, policy or relevance.
        return { allowAccessState: 'ALLOW_ACCESS_STATE_UNKNOWN_INFO' }
      }
      readable++
      const policy = iam.currentPolicy(level)
      // Conditions are not evaluated: without the request's context the answer is "conditional".
      const state = iam.grants(policy, member, permission, false)
      granted ||= state === 'granted'
      conditional ||= state === 'conditional'
      return {
        allowAccessState:
          state === 'granted'
            ? 'ALLOW_ACCESS_STATE_GRANTED'
            : state === 'conditional'
              ? 'ALLOW_ACCESS_STATE_UNKNOWN_CONDITIONAL'
              : 'ALLOW_ACCESS_STATE_NOT_GRANTED',
        fullResourceName: `//${service}.googleapis.com/${level}`,
        policy,
        relevance: state === 'none' ? 'HEURISTIC_RELEVANCE_NORMAL' : 'HEURISTIC_RELEVANCE_HIGH',
        bindingExplanations: (policy.bindings ?? []).map(binding =>
          explainBinding(iam, binding, member, permission)
        )
      }
    }
  )
  if (readable === 0) {
    const target = levels[0]
    throw permissionDenied(target?.permission ?? 'iam.troubleshooter', fullResourceName)
  }
  const overallAccessState = granted
    ? 'CAN_ACCESS'
    : conditional
      ? 'UNKNOWN_CONDITIONAL'
      : unknown
        ? 'UNKNOWN_INFO'
        : 'CANNOT_ACCESS'
  const allowAccessState = {
    CAN_ACCESS: 'ALLOW_ACCESS_STATE_GRANTED',
    UNKNOWN_CONDITIONAL: 'ALLOW_ACCESS_STATE_UNKNOWN_CONDITIONAL',
    UNKNOWN_INFO: 'ALLOW_ACCESS_STATE_UNKNOWN_INFO',
    CANNOT_ACCESS: 'ALLOW_ACCESS_STATE_NOT_GRANTED'
  }[overallAccessState]
  return {
    accessTuple: {
      principal,
      fullResourceName,
      permission,
      permissionFqdn: permissionFqdn(permission)
    },
    overallAccessState,
    allowPolicyExplanation: {
      allowAccessState,
      explainedPolicies,
      relevance: 'HEURISTIC_RELEVANCE_HIGH'
    }
  }
}

/** v2 permission format: `artifactregistry.googleapis.com/repositories.downloadArtifacts`. */
function permissionFqdn(permission: string): string {
  const [service, ...rest] = permission.split('.')
  return `${service ?? ''}.googleapis.com/${rest.join('.')}`
}

function explainBinding(
  iam: IamModel,
  binding: { role?: string | null; members?: string[] | null; condition?: object | null },
  member: string,
  permission: string
): BindingExplanation {
  const included = iam.roleIncludes(binding.role ?? '', permission)
  const matched = (binding.members ?? []).some(bound => iam.matches(bound, member))
  const state =
    included && matched
      ? binding.condition
        ? 'ALLOW_ACCESS_STATE_UNKNOWN_CONDITIONAL'
        : 'ALLOW_ACCESS_STATE_GRANTED'
      : 'ALLOW_ACCESS_STATE_NOT_GRANTED'
  return {
    allowAccessState: state,
    role: binding.role,
    rolePermission: included ? 'ROLE_PERMISSION_INCLUDED' : 'ROLE_PERMISSION_NOT_INCLUDED',
    rolePermissionRelevance: included ? 'HEURISTIC_RELEVANCE_HIGH' : 'HEURISTIC_RELEVANCE_NORMAL',
    combinedMembership: {
      membership: matched ? 'MEMBERSHIP_MATCHED' : 'MEMBERSHIP_NOT_MATCHED',
      relevance: matched ? 'HEURISTIC_RELEVANCE_HIGH' : 'HEURISTIC_RELEVANCE_NORMAL'
    },
    ...(binding.condition ? { condition: binding.condition } : {}),
    relevance: included && matched ? 'HEURISTIC_RELEVANCE_HIGH' : 'HEURISTIC_RELEVANCE_NORMAL'
  }
}
