/**
 * The job summary (and the PR comment's body) as Markdown, led by the outcome: what happened first, then
 * the permission findings, the fixes, the IAM changes and the facts. Pure.
 */
import type { RegionResult } from '../deploy/index.js'
import type { Finding } from '../findings.js'
import { code, escapeMarkdown, table } from './markdown.js'
import type { OutcomeKind, RunReport } from './report.js'

const KIND_WORD = { service: 'service', job: 'job', workerPool: 'worker pool' } as const

export const OUTCOME_LABEL: Record<OutcomeKind, string> = {
  deployed: '✅ Deployed',
  failed: '❌ Failed',
  blocked: '⛔ Blocked by the checks',
  'dry-run': '🧪 Dry run',
  cancelled: '⏹️ Cancelled'
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`
const shortRevision = (name: string | undefined) => name?.split('/').pop()

function trafficText(region: RegionResult): string {
  if (!region.traffic) return '—'
  const parts = region.traffic.statuses.map(s => {
    const who =
      s.type === 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST'
        ? 'latest'
        : (shortRevision(s.revision ?? undefined) ?? '?')
    return `${s.percent ?? 0}% ${who}${s.tag ? ` (tag ${s.tag})` : ''}`
  })
  return `new revision ${region.traffic.newRevisionPercent}%${parts.length ? `; ${parts.join(', ')}` : ''}`
}

function regionRows(report: RunReport): string {
  const rows = report.regions.map(r => [
    code(r.region),
    r.status === 'deployed' ? '✅ deployed' : `❌ ${escapeMarkdown(r.failure?.reason ?? 'failed')}`,
    r.url ? r.url : '—',
    r.revision ? code(r.revision) : r.execution ? code(r.execution) : '—',
    escapeMarkdown(trafficText(r)),
    seconds(r.durationMs),
    r.logsUrl ? `[logs](${r.logsUrl})` : '—'
  ])
  return table(
    ['Region', 'Result', 'URL', 'Revision or execution', 'Traffic', 'Took', 'Logs'],
    rows
  )
}

/** Cloud Run's reason and words for each failed region, with the container's last log lines. */
function failures(report: RunReport): string[] {
  return report.regions.flatMap(r => {
    const failure = r.failure
    if (!failure) return []
    {
      const logs = failure.logs
      const head =
        `**${r.region}**: ${failure.reason ? `${code(failure.reason)}: ` : ''}${escapeMarkdown(failure.message)}` +
        (r.revision ? ` (revision ${code(r.revision)})` : '') +
        (r.execution ? ` (execution ${code(r.execution)})` : '')
      if (!logs) return head
      if ('unavailable' in logs) {
        return `${head}\n\nNo container log: ${escapeMarkdown(logs.unavailable)}${logs.role ? `; ${code(logs.role)} would let the deployer read it` : ''}. [Logs Explorer](${logs.consoleUrl})`
      }
      if (!logs.lines.length) {
        return `${head}\n\nThe container wrote nothing to its log. [Logs Explorer](${logs.consoleUrl})`
      }
      const lines = logs.lines.map(l =>
        `${l.timestamp} ${l.severity} ${l.text}`.replaceAll('```', "'''")
      )
      return `${head}\n\nLast ${logs.lines.length} log line${logs.lines.length > 1 ? 's' : ''} ([Logs Explorer](${logs.consoleUrl})):\n\n\`\`\`text\n${lines.join('\n')}\n\`\`\``
    }
  })
}

/** The findings worth a fix: not ok, and carrying one. */
const needsFix = (f: Finding) => f.status !== 'ok' && f.fix !== undefined

export function renderSummary(report: RunReport): string {
  const { target, outcome } = report
  const where = target.regions.join(', ')
  const sections = [
    `## ${OUTCOME_LABEL[outcome.kind]}: ${KIND_WORD[target.kind]} ${code(target.name)} in ${code(where)}`,
    escapeMarkdown(outcome.headline)
  ]
  if (report.regions.length) {
    // The digest the deploy used belongs with the outcome, not only in the details further down.
    const digest = report.imageDigest
      ? [`Image ${code(report.image)} at ${code(report.imageDigest)}.`]
      : []
    sections.push(regionRows(report), ...digest, ...failures(report))
  }
  if (report.notes.length) {
    sections.push(report.notes.map(n => `> [!NOTE]\n> ${escapeMarkdown(n)}`).join('\n\n'))
  }
  if (report.findings.length) {
    sections.push('### Permission checks', renderFindingsTable(report))
    // One block per command: findings that the same grant answers (a refused grant and the access it
    // was for) share it, rather than repeat it.
    const fixes = new Map<string, Finding[]>()
    for (const f of report.findings.filter(needsFix)) {
      const key = `${f.fix?.gcloud}\n${f.fix?.terraform}`
      fixes.set(key, [...(fixes.get(key) ?? []), f])
    }
    if (fixes.size) {
      sections.push(
        '### How to fix',
        ...[...fixes.values()].map(
          group =>
            group
              .map(
                f =>
                  `**${escapeMarkdown(f.permission)}** for ${code(f.principal)} on ${code(f.resource)}`
              )
              .join(', and ') +
            ':\n\n```sh\n' +
            (group[0]?.fix?.gcloud ?? '') +
            '\n```\n\n<details><summary>Terraform</summary>\n\n```hcl\n' +
            (group[0]?.fix?.terraform ?? '') +
            '\n```\n\n</details>'
        )
      )
    }
  }
  const changes = iamChanges(report)
  if (changes) sections.push('### IAM changes', changes)
  sections.push(facts(report))
  sections.push(
    '<details><summary>Who needs which permission</summary>\n\n' +
      '- The **deployer** is the identity this step authenticated as. It needs `roles/run.developer`, ' +
      '`roles/iam.serviceAccountUser` on the runtime service account, and read access to the image.\n' +
      '- The **runtime service account** is the identity the deployed code runs as. It does not pull the image.\n' +
      "- The **service agent** (`service-<PROJECT_NUMBER>@serverless-robot-prod.iam.gserviceaccount.com`) is Cloud Run's own " +
      'identity in the target project. It pulls the image, so when the image lives in another project it needs ' +
      '`roles/artifactregistry.reader` on that repository.\n\n</details>'
  )
  return sections.join('\n\n') + '\n'
}

function iamChanges(report: RunReport): string | undefined {
  const g = report.grant
  if (g) {
    const etags = g.etags ? ` Policy etag ${code(g.etags.before)} → ${code(g.etags.after)}.` : ''
    return g.result === 'granted'
      ? `Granted ${code(g.role)} to ${code(g.member)} on ${code(g.repository)}, as ${code(g.by)} (attempts: ${g.attempts}).${etags}`
      : g.result === 'present'
        ? `${code(g.member)} already held ${code(g.role)} on ${code(g.repository)}: nothing was written.`
        : `Dry run: would grant ${code(g.role)} to ${code(g.member)} on ${code(g.repository)}, as ${code(g.by)}.`
  }
  // A run stopped mid-grant: what the journal says left, whether or not its answer came back.
  const writes = report.iamWrites ?? []
  if (!writes.length) return undefined
  return writes
    .map(
      w =>
        `${w.state === 'written' ? 'Granted' : w.state === 'sent' ? 'Sent, answer not received: grant of' : 'Not applied: grant of'} ` +
        `${code(w.role)} to ${code(w.member)} on ${code(w.resource)}, as ${code(w.by)}` +
        ` (policy etag ${code(w.etagBefore ?? 'none')}${w.etagAfter ? ` → ${code(w.etagAfter)}` : ''}).`
    )
    .join('\n')
}

function facts(report: RunReport): string {
  const { target } = report
  const rows: [string, string][] = [
    [
      'Target project',
      `${code(target.projectId)}${target.projectNumber ? ` (number ${code(target.projectNumber)})` : ''}`
    ],
    ['Image', code(report.image)],
    ['Image digest', report.imageDigest ? code(report.imageDigest) : '—'],
    [
      'Image project',
      report.imageProject ? code(report.imageProject) : 'none (not Artifact Registry)'
    ],
    ['Repository', report.repository ? code(report.repository) : '—'],
    ['Cross-project', report.crossProject ? '**yes**' : 'no'],
    ['Service agent', report.serviceAgent ? code(report.serviceAgent) : '—'],
    [
      'Service agent access',
      `${code(report.serviceAgentAccess)}${report.serviceAgentNote ? `: ${escapeMarkdown(report.serviceAgentNote)}` : ''}`
    ],
    ['Authenticated as', report.authenticatedAs ? code(report.authenticatedAs) : 'unknown'],
    ['Authentication', escapeMarkdown(report.authMethod ?? 'unknown')]
  ]
  return (
    '<details><summary>Details</summary>\n\n' +
    table(
      ['', ''],
      rows.map(([k, v]) => [`**${k}**`, v])
    ) +
    '\n\n</details>'
  )
}

const RESULT_LABEL = { ok: '✅ ok', missing: '❌ missing', unknown: '⚠️ unknown' } as const

export function renderFindingsTable(report: RunReport): string {
  return table(
    ['Result', 'Principal', 'Permission', 'Resource', 'Details'],
    report.findings.map(f => [
      RESULT_LABEL[f.status],
      code(f.principal),
      code(f.permission),
      code(f.resource),
      escapeMarkdown(f.history ? `${f.detail} (${f.history}.)` : f.detail)
    ])
  )
}
