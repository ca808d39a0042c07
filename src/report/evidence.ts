/**
 * What the deploy proved about the findings the checks could not settle. Pure.
 * - A revision (or job) that became ready pulled every image: the service agent's access to their
 *   repositories (and Artifact Registry's to a virtual repository's upstreams, and a remote repository's
 *   image) is proven, whatever the policies the deployer could read said.
 * - The seed's failure (the pull refused) proves the access missing.
 * Each finding then appears once, in its final state, with how it got there in a few words.
 */
import type { RegionResult } from '../deploy/index.js'
import type { Finding } from '../findings.js'
import type { ServiceAgentAccess } from './report.js'

/** Checks a successful pull settles. */
const PROVEN_BY_A_PULL = new Set(['service-agent', 'virtual-upstream', 'image'])

const sameGrant = (a: Finding, b: Finding) =>
  a.check === b.check && a.principal === b.principal && a.resource === b.resource

export interface Settled {
  readonly findings: readonly Finding[]
  readonly serviceAgentAccess: ServiceAgentAccess
  /** What the deploy proved about the service agent, when it changed the answer; else undefined. */
  readonly serviceAgentNote?: string
}

export function settleFindings(
  findings: readonly Finding[],
  results: readonly RegionResult[],
  access: ServiceAgentAccess
): Settled {
  const diagnosed = results.flatMap(r => r.findings)
  const pulled = results.some(r => r.pulled)
  let settled = findings.map(finding => {
    const refused = diagnosed.find(d => sameGrant(d, finding))
    if (refused) {
      return {
        ...refused,
        fix: refused.fix ?? finding.fix,
        history: `${finding.status} before the deploy; the deploy's pull was refused`
      }
    }
    if (pulled && finding.status === 'unknown' && PROVEN_BY_A_PULL.has(finding.check)) {
      return {
        ...finding,
        status: 'ok' as const,
        detail:
          finding.check === 'image'
            ? `Cloud Run pulled it. ${finding.detail}`
            : `Cloud Run pulled the image, so the access is there. (Before the deploy: ${finding.detail})`,
        history: 'unknown before the deploy, proven by it'
      }
    }
    return finding
  })
  // A refused pull the checks had not looked at (service_agent_access: skip) is reported as found.
  for (const d of diagnosed) {
    if (!settled.some(f => sameGrant(f, d))) settled = [...settled, d]
  }
  // The same refusal seen in several regions is one finding.
  settled = settled.filter(
    (f, i) => settled.findIndex(g => sameGrant(g, f) && g.status === f.status) === i
  )
  const agent = settled.filter(f => f.check === 'service-agent')
  const finalAccess: ServiceAgentAccess = agent.some(f => f.status === 'missing')
    ? 'missing'
    : access === 'unknown' && agent.length > 0 && agent.every(f => f.status === 'ok')
      ? 'ok'
      : access === 'skipped' && agent.some(f => f.status === 'missing')
        ? 'missing'
        : access
  // The note beside service_agent_access says why it has its value: the check's words no longer do
  // once the deploy changed it (never "`missing`: Could not verify ...").
  const decisive =
    finalAccess === access
      ? undefined
      : agent.find(f => f.status === (finalAccess === 'missing' ? 'missing' : 'ok'))
  return {
    findings: settled,
    serviceAgentAccess: finalAccess,
    ...(decisive ? { serviceAgentNote: decisive.detail } : {})
  }
}
