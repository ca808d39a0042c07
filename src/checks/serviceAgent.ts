/**
 * Can Cloud Run's service agent pull the image? Decided from the repository's and its ancestors' allow
 * policies (pure evaluation) and, when the caller may use it, Policy Troubleshooter, whose definite answer
 * wins because it also sees deny policies. For a virtual repository, Artifact Registry's own agent must
 * also read the upstream that serves the image.
 */
import type { Finding } from '../findings.js'
import type { Gcp, Repository } from '../google/gcp.js'
import { isDenied } from '../google/gcp.js'
import { toGoogleCallError } from '../google/errors.js'
import { evaluateAccess, rolesBoundTo, type AccessVerdict } from '../iam/evaluate.js'
import { PERMISSIONS } from '../iam/permissions.js'
import { repositoryPolicyChain } from '../iam/policyChain.js'
import { resolveRoles } from '../iam/roles.js'
import { repositoryGrant } from '../report/fixes.js'

export const READER_ROLE = 'roles/artifactregistry.reader'
/** Stands for the granting role when only Policy Troubleshooter knows which binding grants access. */
const TROUBLESHOOTER = 'Policy Troubleshooter'

export async function checkPrincipalCanDownload(
  gcp: Gcp,
  principal: string,
  repository: string,
  check: string
): Promise<Finding> {
  const [verdict, troubleshooter] = await Promise.all([
    verdictFromPolicies(gcp, principal, repository),
    troubleshoot(gcp, principal, repository)
  ])
  // Troubleshooter's definite answer wins (it also sees deny policies); when both say ok, the
  // policies' verdict names the binding that grants access, which Troubleshooter's summary does not.
  const final =
    troubleshooter.verdict?.status === 'ok' && verdict.status === 'ok'
      ? verdict
      : (troubleshooter.verdict ?? verdict)
  return toFinding(check, principal, repository, final, troubleshooter.note)
}

async function verdictFromPolicies(
  gcp: Gcp,
  principal: string,
  repository: string
): Promise<AccessVerdict> {
  const chain = await repositoryPolicyChain(gcp, repository)
  const roles = await resolveRoles(gcp, rolesBoundTo(principal, chain))
  return evaluateAccess(principal, PERMISSIONS.downloadArtifacts, chain, roles)
}

async function troubleshoot(
  gcp: Gcp,
  principal: string,
  repository: string
): Promise<{ verdict?: AccessVerdict; note?: string }> {
  const email = principal.replace(/^serviceAccount:/, '')
  try {
    const result = await gcp.troubleshoot(
      email,
      `//artifactregistry.googleapis.com/${repository}`,
      PERMISSIONS.downloadArtifacts
    )
    switch (result.overallAccessState) {
      case 'CAN_ACCESS':
        return {
          verdict: {
            status: 'ok',
            grantedBy: { resource: repository, role: TROUBLESHOOTER, member: principal }
          }
        }
      case 'CANNOT_ACCESS':
        return { verdict: { status: 'missing' } }
      default:
        return { note: `Policy Troubleshooter answered ${result.overallAccessState ?? 'nothing'}` }
    }
  } catch (thrown) {
    // An oracle, not a dependency: any failure (denied, API disabled, outage) falls back to the policies.
    const why = isDenied(thrown)
      ? 'is not available to the caller'
      : `failed (${toGoogleCallError('troubleshoot', thrown).message})`
    return { note: `Policy Troubleshooter ${why}; decided from the policies the caller can read` }
  }
}

function toFinding(
  check: string,
  principal: string,
  repository: string,
  verdict: AccessVerdict,
  note: string | undefined
): Finding {
  const base = {
    check,
    kind: 'permission' as const,
    principal,
    permission: PERMISSIONS.downloadArtifacts,
    resource: repository,
    source: 'check' as const,
    fix: repositoryGrant(repository, principal, READER_ROLE)
  }
  const suffix = note ? ` (${note}.)` : ''
  switch (verdict.status) {
    case 'ok':
      return {
        ...base,
        status: 'ok',
        detail:
          verdict.grantedBy.role === TROUBLESHOOTER
            ? `Policy Troubleshooter reports that ${principal} can read ${repository}.`
            : `${principal} can read ${repository} through ${verdict.grantedBy.role} on ${verdict.grantedBy.resource}` +
              // Access through allUsers or allAuthenticatedUsers is worth telling apart from a grant.
              (verdict.grantedBy.member === principal
                ? '.'
                : ` (bound to ${verdict.grantedBy.member}).`)
      }
    case 'missing':
      return {
        ...base,
        status: 'missing',
        detail: `${principal} cannot read ${repository}: no binding grants it ${PERMISSIONS.downloadArtifacts}.${suffix}`
      }
    case 'unknown':
      return {
        ...base,
        status: 'unknown',
        detail: `Could not verify that ${principal} can read ${repository}: ${verdict.reasons.join('; ')}.${suffix}`
      }
  }
}

/** The repository's mode and, for a virtual one, its upstreams; undefined when it cannot be read. */
export async function readRepository(
  gcp: Gcp,
  repository: string
): Promise<{ repository?: Repository; problem?: Finding }> {
  try {
    return { repository: await gcp.repository(repository) }
  } catch (thrown) {
    const error = toGoogleCallError('artifactregistry.repositories.get', thrown)
    if (isDenied(thrown) || error.httpStatus === 404) {
      return { repository: undefined }
    }
    throw error
  }
}

/**
 * For a virtual repository, Artifact Registry's service agent of the virtual repository's project reads
 * the upstreams on Cloud Run's behalf (assumption from Artifact Registry's docs on virtual repositories).
 */
export async function checkVirtualUpstreams(
  gcp: Gcp,
  repository: Repository,
  imageProjectNumber: string | undefined
): Promise<Finding[]> {
  const upstreams = repository.virtualRepositoryConfig?.upstreamPolicies ?? []
  if (!upstreams.length) return []
  if (!imageProjectNumber) {
    return [
      {
        check: 'virtual-upstream',
        kind: 'permission',
        principal: 'Artifact Registry service agent of the image project',
        permission: PERMISSIONS.downloadArtifacts,
        resource: upstreams.map(u => u.repository).join(', '),
        status: 'unknown',
        source: 'check',
        detail: `The image project's number could not be read (${PERMISSIONS.getProject}), so Artifact Registry's service agent is not known.`
      }
    ]
  }
  const agent = `serviceAccount:service-${imageProjectNumber}@gcp-sa-artifactregistry.iam.gserviceaccount.com`
  return Promise.all(
    upstreams
      .filter(u => u.repository)
      .map(u => checkPrincipalCanDownload(gcp, agent, u.repository as string, 'virtual-upstream'))
  )
}
