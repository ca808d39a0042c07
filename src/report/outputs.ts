import * as core from '@actions/core'
import type { RunReport } from './report.js'

/**
 * Every output is set on every run that gets this far, so a later step can rely on them. With several
 * regions, `url`, `revision` and `execution` are the first region's; `urls` maps every region to its URL.
 */
export function setOutputs(report: RunReport): void {
  const missing = report.findings.filter(f => f.status === 'missing')
  const first = report.regions.find(r => r.region === report.target.regions[0])
  const urls = Object.fromEntries(report.regions.flatMap(r => (r.url ? [[r.region, r.url]] : [])))
  core.setOutput('outcome', report.outcome.kind)
  core.setOutput('image_project', report.imageProject ?? '')
  core.setOutput('cross_project', String(report.crossProject))
  core.setOutput('service_agent', report.serviceAgent ?? '')
  core.setOutput('service_agent_access', report.serviceAgentAccess)
  core.setOutput('missing_permissions', JSON.stringify(missing))
  core.setOutput('image_digest', report.imageDigest ?? '')
  core.setOutput('url', first?.url ?? '')
  core.setOutput('urls', JSON.stringify(urls))
  core.setOutput('revision', first?.revision ?? '')
  core.setOutput('execution', first?.execution ?? '')
  core.setOutput('report', JSON.stringify(report))
}
