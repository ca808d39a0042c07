import type { RunReport } from './report.js'
import { code, escapeMarkdown, table } from './markdown.js'

const KIND_WORD = { service: 'service', job: 'job', workerPool: 'worker pool' } as const

/** The job summary as Markdown: what was found, in a table a reviewer can scan. */
export function renderSummary(report: RunReport): string {
  const { target } = report
  const facts: [string, string][] = [
    [`Cloud Run ${KIND_WORD[target.kind]}`, `${code(target.name)} in ${code(target.region)}`],
    [
      'Target project',
      `${code(target.projectId)}${target.projectNumber ? ` (number ${code(target.projectNumber)})` : ''}`
    ],
    ['Image', code(report.image)],
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
    ['Image digest', report.imageDigest ? code(report.imageDigest) : '—'],
    ['Authenticated as', report.authenticatedAs ? code(report.authenticatedAs) : 'unknown'],
    ['Authentication', escapeMarkdown(report.authMethod ?? 'unknown')]
  ]
  const sections = [
    `## Cloud Run deploy${report.dryRun ? ' (dry run)' : ''}: ${code(target.name)}`,
    table(
      ['', ''],
      facts.map(([k, v]) => [`**${k}**`, v])
    )
  ]
  if (report.findings.length) {
    sections.push('### Permission checks', renderFindingsTable(report))
    const fixes = report.findings.filter(f => f.status !== 'ok' && f.fix)
    if (fixes.length) {
      sections.push(
        '### How to fix',
        ...fixes.map(
          f =>
            `**${escapeMarkdown(f.permission)}** for ${code(f.principal)} on ${code(f.resource)}:\n\n` +
            '```sh\n' +
            (f.fix?.gcloud ?? '') +
            '\n```\n\n<details><summary>Terraform</summary>\n\n```hcl\n' +
            (f.fix?.terraform ?? '') +
            '\n```\n\n</details>'
        )
      )
    }
  }
  if (report.grant) {
    const g = report.grant
    const what =
      g.result === 'granted'
        ? `Granted ${code(g.role)} to ${code(g.member)} on ${code(g.repository)}, as ${code(g.by)} (attempts: ${g.attempts}).`
        : g.result === 'present'
          ? `${code(g.member)} already held ${code(g.role)} on ${code(g.repository)}: nothing was written.`
          : `Dry run: would grant ${code(g.role)} to ${code(g.member)} on ${code(g.repository)}, as ${code(g.by)}.`
    sections.push('### IAM changes', what)
  }
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

const RESULT_LABEL = { ok: '✅ ok', missing: '❌ missing', unknown: '⚠️ unknown' } as const

export function renderFindingsTable(report: RunReport): string {
  return table(
    ['Result', 'Principal', 'Permission', 'Resource', 'Details'],
    report.findings.map(f => [
      RESULT_LABEL[f.status],
      code(f.principal),
      code(f.permission),
      code(f.resource),
      escapeMarkdown(f.detail)
    ])
  )
}
