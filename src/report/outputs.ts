import * as core from '@actions/core'
import type { RunReport } from './report.js'

/** Every output is set on every run that gets this far, so a later step can rely on them. */
export function setOutputs(report: RunReport): void {
  const missing = report.findings.filter(f => f.status === 'missing')
  core.setOutput('image_project', report.imageProject ?? '')
  core.setOutput('cross_project', String(report.crossProject))
  core.setOutput('service_agent', report.serviceAgent ?? '')
  core.setOutput('service_agent_access', report.serviceAgentAccess)
  core.setOutput('missing_permissions', JSON.stringify(missing))
  core.setOutput('image_digest', report.imageDigest ?? '')
  core.setOutput('url', report.deploy?.url ?? '')
  core.setOutput('revision', report.deploy?.revision ?? '')
  core.setOutput('execution', report.deploy?.execution ?? '')
  core.setOutput('report', JSON.stringify(report))
}
