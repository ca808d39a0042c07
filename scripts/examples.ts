/**
 * The example reports in docs/examples/: one real run of the built action (dist/index.js, through the
 * test harness, exactly as the runner runs it) against the local emulator for each outcome a user can
 * meet, rendered as the job summary the run wrote, with the step's annotations and last log line.
 * Shared by scripts/render-examples.ts, which writes the files, and __tests__/e2e/examples.test.ts, which
 * renders them again and fails when a committed file differs: both go through renderExample and
 * normalise here, so they cannot render differently.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Scenario } from '../emulator/core.js'
import { variant, withBinding } from '../emulator/scenarios/helpers.js'
import { getScenario } from '../emulator/scenarios/index.js'
import {
  DEPLOYER,
  DEPLOYER_EMAIL,
  IMAGE,
  PROVIDER,
  REGION,
  TARGET_PROJECT
} from '../emulator/scenarios/seed.js'
import type { StartOptions } from '../emulator/server.js'
import { startTestEmulator } from '../__tests__/harness/emulator.js'
import { PROJECT_ROOT, runAction, type ActionRun } from '../__tests__/harness/runAction.js'

export interface Example {
  /** The file's name in docs/examples/. */
  readonly file: string
  readonly title: string
  /** What the run was, in a sentence or two. */
  readonly about: string
  readonly scenario: Scenario
  readonly options?: StartOptions
  /** The step's inputs beyond the target project and region. */
  readonly inputs: Readonly<Record<string, string>>
}

export const EXAMPLES_DIR = join(PROJECT_ROOT, 'docs', 'examples')

const IMAGE_V1 = `${IMAGE}:v1`
const SAME_PROJECT_IMAGE_V1 = `${REGION}-docker.pkg.dev/${TARGET_PROJECT}/app/api:v1`

export const EXAMPLES: readonly Example[] = [
  {
    file: 'deployed.md',
    title: 'Deployed',
    about:
      "The article's situation after the fix: the image is in another project, whose repository Cloud Run's " +
      'service agent may read. The deployer has the least-privilege roles, so it cannot read the ' +
      "repository's policy: the check cannot tell before the deploy, and the deploy proves the access.",
    scenario: getScenario('seed-granted'),
    inputs: { service: 'hello', image: IMAGE_V1 }
  },
  {
    file: 'container-failed-to-start.md',
    title: 'A container that fails to start',
    about:
      "An image from the target project's own repository whose container exits before it listens on " +
      "its port. The deployer may read the project's logs (roles/logging.viewer), so the report shows " +
      "the container's last lines.",
    scenario: variant(
      getScenario('seed'),
      'seed-logs-readable',
      'The seed, with the deployer roles/logging.viewer on myproject-a.',
      s => withBinding(s, `projects/${TARGET_PROJECT}`, 'roles/logging.viewer', DEPLOYER)
    ),
    inputs: {
      service: 'hello',
      image: SAME_PROJECT_IMAGE_V1,
      // EMULATOR_FAIL and EMULATOR_LOG are the emulator's markers for a container that prints these
      // lines and exits (emulator/cloudrun.ts); a backslash before a line break keeps it in the value.
      env_vars: [
        'EMULATOR_FAIL=start',
        'EMULATOR_LOG=Connecting to the database\\',
        'Error: DATABASE_URL is not set\\',
        '    at connect (/app/db.js:12:11)'
      ].join('\n')
    }
  },
  {
    file: 'seed-failure.md',
    title: "The seed's failure: the service agent cannot pull the image",
    about:
      "The article's situation: the image is in another project, and Cloud Run's service agent may not " +
      "read its repository. The least-privilege deployer cannot read the repository's policy, so the " +
      "check cannot tell before the deploy; the deploy's failed pull settles it.",
    scenario: getScenario('seed'),
    inputs: { service: 'hello', image: IMAGE_V1 }
  },
  {
    file: 'blocked.md',
    title: 'Blocked by the checks',
    about:
      "The article's situation, with a deployer that can read every policy above the repository: the " +
      'check proves the service agent cannot pull the image, and nothing is deployed.',
    scenario: getScenario('visible'),
    inputs: { service: 'hello', image: IMAGE_V1 }
  },
  {
    file: 'dry-run.md',
    title: 'Dry run',
    about:
      "The article's situation with `dry_run: true` and `service_agent_access: grant`, as on a pull " +
      'request: the checks run, nothing is changed or deployed, and the report says what the real run ' +
      'would grant.',
    scenario: getScenario('demo'),
    inputs: { service: 'hello', image: IMAGE_V1, dry_run: 'true', service_agent_access: 'grant' }
  },
  {
    file: 'granted-then-deployed.md',
    title: 'Granted, then deployed',
    about:
      "The article's situation with `service_agent_access: grant` and a deployer that may set the " +
      "repository's policy: the action adds the one binding the service agent needs, then deploys.",
    scenario: getScenario('demo'),
    inputs: { service: 'hello', image: IMAGE_V1, service_agent_access: 'grant' }
  }
]

/** Runs an example's step against a fresh emulator of its scenario, as the deployer. */
export async function runExample(example: Example): Promise<ActionRun> {
  const emulator = await startTestEmulator(example.scenario, {
    operationDelayMs: 200,
    ...example.options
  })
  try {
    const credentials = emulator.writeExternalAccountFile(mkdtempSync(join(tmpdir(), 'example-')), {
      provider: PROVIDER,
      serviceAccount: DEPLOYER_EMAIL
    })
    return await runAction({
      inputs: { project_id: TARGET_PROJECT, region: REGION, ...example.inputs },
      env: { ...emulator.env, GOOGLE_APPLICATION_CREDENTIALS: credentials }
    })
  } finally {
    await emulator.close()
  }
}

/** The example's file, normalised: what render-examples writes and the test compares. */
export async function renderExample(example: Example): Promise<string> {
  return normalise(document(example, await runExample(example)))
}

const LEVEL = { error: 'Error', warning: 'Warning', notice: 'Notice' } as const

/** A line as the run's log shows it: a workflow command's message under its level, else the line. */
function shownLine(run: ActionRun, line: string): string {
  const command = /^::(error|warning|notice)(?: [^:]*)?::/.exec(line)?.[1] as
    keyof typeof LEVEL | undefined
  if (!command) return line
  const parsed = run.commands.filter(c => c.command === command).at(-1)
  return `${LEVEL[command]}: ${parsed?.message ?? ''}`
}

function fenced(text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map(t => t.length))
  const fence = '`'.repeat(longest + 1)
  return `${fence}text\n${text}\n${fence}`
}

function document(example: Example, run: ActionRun): string {
  // The step as a workflow would write it (credentials come from google-github-actions/auth before it).
  const step = [
    '- uses: OWNER/cloud-run-deploy-action@v0',
    '  with:',
    ...Object.entries({ project_id: TARGET_PROJECT, region: REGION, ...example.inputs }).map(
      ([name, value]) =>
        value.includes('\n')
          ? `    ${name}: |\n${value
              .split('\n')
              .map(line => `      ${line}`)
              .join('\n')}`
          : `    ${name}: ${value}`
    )
  ].join('\n')
  const annotations = run.annotations.map(a => {
    const title = a.properties.title ? ` · ${a.properties.title}` : " · the step's error"
    return `**${LEVEL[a.command as keyof typeof LEVEL] ?? a.command}**${title}\n\n${fenced(a.message)}`
  })
  const last = run.stdout.trimEnd().split('\n').at(-1) ?? ''
  return (
    [
      `# Example: ${example.title}`,
      `${example.about} Scenario \`${example.scenario.name}\` of the emulator; the step:`,
      '```yaml\n' + step + '\n```',
      `The step exited with code ${run.exitCode}.`,
      '<!-- Written by `npm run render-examples` (scripts/render-examples.ts) from a real run of the built ' +
        'action against the local emulator; __tests__/e2e/examples.test.ts renders it again and fails when ' +
        'this file differs. Values that change from run to run are placeholders (normalise in ' +
        'scripts/examples.ts). Do not edit by hand. -->',
      '## The job summary, as the run wrote it',
      '---',
      run.summary.trimEnd(),
      '---',
      "## The step's annotations",
      annotations.length ? annotations.join('\n\n') : 'None.',
      "## The step's last log line",
      fenced(shownLine(run, last))
    ].join('\n\n') + '\n'
  )
}

/**
 * Replaces what differs from one run of the same example to the next with a placeholder, so that a
 * committed example changes only when what the action shows changes:
 * - timestamps (RFC 3339, also percent-encoded inside a Logs Explorer link) → `TIMESTAMP`;
 * - revision suffixes, random per revision (`hello-00001-abc`) → `hello-00001-xxx`;
 * - durations in the summary's "Took" column (`1.2 s`) → `N s`;
 * - IAM policy etags, random per write → `ETAG1`, `ETAG2`, ... in order of first appearance;
 * - loopback ports (`127.0.0.1:41235`) → `127.0.0.1:PORT`;
 * - tokens (Google access tokens, JWTs, GitHub tokens) → `TOKEN`;
 * - temporary paths (the runner's files, credentials) → `TMP/…`.
 */
export function normalise(text: string): string {
  const etags = new Map<string, string>()
  return text
    .replace(/\d{4}-\d\d-\d\dT\d\d(?::|%3A|%253A)\d\d(?::|%3A|%253A)\d\d(?:\.\d+)?Z/g, 'TIMESTAMP')
    .replace(/(-\d{5})-[a-z0-9]{3}(?![a-z0-9])/g, '$1-xxx')
    .replace(/\| \d+(?:\.\d+)? s \|/g, '| N s |')
    .replace(
      /(etag `?|→ `)([A-Za-z0-9+/]{10,}={0,2})(?=[`,).\s])/g,
      (_, before: string, etag: string) => {
        if (!etags.has(etag)) etags.set(etag, `ETAG${etags.size + 1}`)
        return `${before}${etags.get(etag) ?? ''}`
      }
    )
    .replace(/\b(127\.0\.0\.1|localhost):\d+/g, '$1:PORT')
    .replace(/\bya29\.[\w.-]+/g, 'TOKEN')
    .replace(/\beyJ[\w-]+\.[\w-]+\.[\w-]*/g, 'TOKEN')
    .replace(/\bgh[opsu]_\w+/g, 'TOKEN')
    .replaceAll(tmpdir(), 'TMP')
}

/** The path of an example's committed file. */
export const examplePath = (example: Example) => join(EXAMPLES_DIR, example.file)
