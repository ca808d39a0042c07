/**
 * `tsx scripts/validate-workflows.ts [ROOT]`: checks every workflow the project ships or shows with
 * GitHub's own workflow parser (@actions/workflow-parser, the parser behind GitHub's Actions language
 * services): each file in .github/workflows/, and each ```yaml block of README.md, MIGRATING.md and
 * docs/*.md that is a workflow or a fragment of one. Prints `file:line:column: message` for every error
 * and exits 1 if there is any. Run with tsx: the package imports its JSON schema without import
 * attributes, which plain Node ESM refuses (see scripts/validate-action.ts).
 *
 * The parser checks the schema (keys, types, allowed values such as `permissions: contents: wrote`) and
 * every `${{ }}` expression; its converter then checks what spans keys (job `needs`, step ids, cron
 * strings). On top, a step that uses this action may pass only inputs action.yml declares: the runner
 * would only warn about an unexpected input and the action would ignore it, which in a document is a bug.
 *
 * Markdown blocks and how each is read (planBlock):
 * - `on:` and `jobs:`: a workflow, parsed as it is.
 * - `jobs:` without `on:`: a workflow whose trigger the document leaves out; `on: workflow_dispatch` is
 *   added.
 * - a mapping with `runs-on` or `steps`: one job; a mapping with `uses` or `run`: one step; a list of
 *   such mappings: steps. Each is wrapped into the smallest workflow that holds it.
 * - a mapping whose only key is `with`, or whose keys are all inputs of action.yml: this action's inputs,
 *   wrapped into a step that uses this action.
 * - anything else is skipped, and the reason printed: a Cloud Run or Knative resource (`apiVersion`,
 *   `kind`), action metadata (`runs:`), a `with:`-less mapping of keys that are not all inputs, text that
 *   is not YAML on its own (an excerpt with `...`), several documents. Skipping is safer than guessing:
 *   a wrong wrapper would report errors the reader's workflow does not have.
 * Line and column of an error inside a wrapped block point at the Markdown file.
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  convertWorkflowTemplate,
  isMapping,
  isSequence,
  isString,
  NoOperationTraceWriter,
  parseWorkflow
} from '@actions/workflow-parser'
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token'
import YAML from 'yaml'

export interface WorkflowProblem {
  readonly file: string
  /** One-based, in `file`. */
  readonly line: number
  readonly column: number
  readonly message: string
}

/** A fenced ```yaml (or ```yml) block of a Markdown file. */
export interface YamlBlock {
  readonly file: string
  /** One-based line, in the Markdown file, of the block's first content line. */
  readonly line: number
  readonly content: string
}

/** How a Markdown block is validated: as a workflow built around it, or not at all. */
export type BlockPlan =
  | {
      readonly kind: 'workflow'
      /** What the block was read as (`workflow`, `steps`, `inputs`, ...), for the summary. */
      readonly as: string
      /** The workflow to parse: the block, maybe wrapped. */
      readonly content: string
      /** Lines the wrapper adds before the block's first line. */
      readonly lineOffset: number
      /** Columns the wrapper adds before each of the block's lines. */
      readonly columnOffset: number
    }
  | { readonly kind: 'skip'; readonly reason: string }

/** The name a wrapped fragment's step uses; README's `uses:` line (any owner) counts as this action too. */
const THIS_ACTION = 'cloud-run-deploy-action/cloud-run-deploy-action@v0'

/** `./` (this repository's action.yml) or `OWNER/cloud-run-deploy-action@REF`. */
export function usesThisAction(uses: string): boolean {
  return uses === './' || uses === '.' || /^[^/@\s]+\/cloud-run-deploy-action(@|$)/.test(uses)
}

/** Every ```yaml / ```yml fenced block of `markdown` (CommonMark fences: ``` or ~~~, up to 3 spaces in). */
export function yamlBlocks(file: string, markdown: string): YamlBlock[] {
  const lines = markdown.split(/\r?\n/)
  const blocks: YamlBlock[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^( {0,3})(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i] ?? '')
    if (!open) continue
    const [, indent = '', fence = '', info = ''] = open
    const closing = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`)
    let end = i + 1
    while (end < lines.length && !closing.test(lines[end] ?? '')) end++
    if (/^ya?ml$/i.test(info)) {
      // Content lines lose up to the fence's own indentation (CommonMark).
      const strip = new RegExp(`^ {0,${indent.length}}`)
      const content = lines
        .slice(i + 1, end)
        .map(line => line.replace(strip, ''))
        .join('\n')
      blocks.push({ file, line: i + 2, content })
    }
    i = end
  }
  return blocks
}

const indent = (text: string, spaces: number) =>
  text
    .split('\n')
    .map(line => (line.trim() === '' ? '' : ' '.repeat(spaces) + line))
    .join('\n')

/** A mapping block as one list item: `- ` before its first content line, two spaces before the others. */
function asListItem(text: string): string {
  let first = true
  return text
    .split('\n')
    .map(line => {
      if (first && line.trim() !== '' && !line.trimStart().startsWith('#')) {
        first = false
        return `- ${line}`
      }
      return line.trim() === '' ? '' : `  ${line}`
    })
    .join('\n')
}

const TRIGGER = 'on: workflow_dispatch'
const JOB = `${TRIGGER}\njobs:\n  example:`
const STEPS = `${JOB}\n    runs-on: ubuntu-latest\n    steps:`
const STEP = `${STEPS}\n      - uses: ${THIS_ACTION}`

function wrapped(as: string, header: string, body: string, columnOffset: number): BlockPlan {
  return {
    kind: 'workflow',
    as,
    content: `${header}\n${body}\n`,
    lineOffset: header.split('\n').length,
    columnOffset
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const isStep = (value: unknown) => isRecord(value) && ('uses' in value || 'run' in value)

/** Decides how a Markdown YAML block is validated (see the file's comment). Pure. */
export function planBlock(content: string, actionInputs: ReadonlySet<string>): BlockPlan {
  const documents = YAML.parseAllDocuments(content)
  const looksLikeWorkflow = /^jobs\s*:/m.test(content)
  if (!Array.isArray(documents) || documents.length !== 1) {
    return { kind: 'skip', reason: 'not a single YAML document' }
  }
  const [document] = documents
  if (!document || document.errors.length > 0) {
    // Let the parser report a broken workflow; anything else is an excerpt, not a file.
    return looksLikeWorkflow
      ? { kind: 'workflow', as: 'workflow', content, lineOffset: 0, columnOffset: 0 }
      : { kind: 'skip', reason: 'not valid YAML on its own (an excerpt)' }
  }
  const value: unknown = document.toJS()
  if (Array.isArray(value)) {
    return value.length > 0 && value.every(isStep)
      ? wrapped('steps', STEPS, indent(content, 6), 6)
      : { kind: 'skip', reason: 'a list that is not a list of steps' }
  }
  if (!isRecord(value)) return { kind: 'skip', reason: 'not a mapping' }
  const keys = Object.keys(value)
  if ('jobs' in value) {
    return 'on' in value
      ? { kind: 'workflow', as: 'workflow', content, lineOffset: 0, columnOffset: 0 }
      : wrapped('workflow without on:', TRIGGER, content, 0)
  }
  if ('apiVersion' in value || 'kind' in value) {
    return {
      kind: 'skip',
      reason: 'a Cloud Run or Knative resource (apiVersion/kind), not a workflow'
    }
  }
  if ('runs' in value) return { kind: 'skip', reason: 'action metadata (runs:), not a workflow' }
  if ('runs-on' in value || 'steps' in value) return wrapped('job', JOB, indent(content, 4), 4)
  if (isStep(value)) return wrapped('step', STEPS, indent(asListItem(content), 6), 8)
  if (keys.length === 1 && keys[0] === 'with') return wrapped('with:', STEP, indent(content, 8), 8)
  if (keys.length > 0 && keys.every(key => actionInputs.has(key))) {
    return wrapped('inputs', `${STEP}\n        with:`, indent(content, 10), 10)
  }
  return {
    kind: 'skip',
    reason: `a mapping of ${keys.map(k => `\`${k}\``).join(', ') || 'nothing'}, not a workflow or a fragment of one`
  }
}

/** Every `with:` key, in a step that uses this action, that action.yml does not declare. */
function undeclaredInputs(root: TemplateToken, actionInputs: ReadonlySet<string>) {
  const found: { line: number; column: number; message: string }[] = []
  const jobs = isMapping(root) ? root.find('jobs') : undefined
  if (!jobs || !isMapping(jobs)) return found
  for (const { value: job } of jobs) {
    const steps = isMapping(job) ? job.find('steps') : undefined
    if (!steps || !isSequence(steps)) continue
    for (const step of steps) {
      if (!isMapping(step)) continue
      const uses = step.find('uses')
      const inputs = step.find('with')
      if (
        !uses ||
        !isString(uses) ||
        !usesThisAction(uses.value) ||
        !inputs ||
        !isMapping(inputs)
      ) {
        continue
      }
      for (const { key } of inputs) {
        if (!isString(key) || actionInputs.has(key.value)) continue
        found.push({
          line: key.range?.start.line ?? 1,
          column: key.range?.start.column ?? 1,
          message: `'${key.value}' is not an input of this action (action.yml declares: ${[...actionInputs].join(', ')})`
        })
      }
    }
  }
  return found
}

/**
 * The errors GitHub's parser finds in one workflow, plus `with:` keys this action does not declare.
 * Lines and columns are the content's own.
 */
export async function validateWorkflow(
  file: string,
  content: string,
  actionInputs: ReadonlySet<string> = new Set()
): Promise<WorkflowProblem[]> {
  const parsed = parseWorkflow({ name: file, content }, new NoOperationTraceWriter())
  if (parsed.value) await convertWorkflowTemplate(parsed.context, parsed.value)
  const problems: WorkflowProblem[] = parsed.context.errors.getErrors().map(error => ({
    file,
    line: error.range?.start.line ?? 1,
    column: error.range?.start.column ?? 1,
    // The YAML reader's messages repeat the position and quote the source: keep the first line only.
    message: (error.rawMessage.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')
  }))
  if (parsed.value && actionInputs.size > 0) {
    problems.push(
      ...undeclaredInputs(parsed.value, actionInputs).map(problem => ({ file, ...problem }))
    )
  }
  return problems
}

/** Validates one Markdown block; its problems carry the Markdown file's lines and columns. */
export async function validateBlock(
  block: YamlBlock,
  actionInputs: ReadonlySet<string>
): Promise<{ plan: BlockPlan; problems: WorkflowProblem[] }> {
  const plan = planBlock(block.content, actionInputs)
  if (plan.kind === 'skip') return { plan, problems: [] }
  const problems = await validateWorkflow(block.file, plan.content, actionInputs)
  return {
    plan,
    problems: problems.map(problem => {
      const inBlock = problem.line > plan.lineOffset
      return {
        ...problem,
        // An error in the wrapper itself (none is expected) is reported at the block's first line.
        line: block.line + (inBlock ? problem.line - plan.lineOffset - 1 : 0),
        column: inBlock ? Math.max(1, problem.column - plan.columnOffset) : 1
      }
    })
  }
}

/** The input names action.yml declares. */
export function actionInputsOf(actionYaml: string): Set<string> {
  const parsed: unknown = YAML.parse(actionYaml)
  const inputs = isRecord(parsed) && isRecord(parsed.inputs) ? parsed.inputs : {}
  return new Set(Object.keys(inputs))
}

export interface ValidationResult {
  readonly problems: readonly WorkflowProblem[]
  /** Workflow files and blocks validated: `file` or `file:line (as)`. */
  readonly checked: readonly string[]
  readonly skipped: readonly {
    readonly file: string
    readonly line: number
    readonly reason: string
  }[]
}

/** Validates every workflow under `root` (see the file's comment for which). */
export async function validateRepository(root: string): Promise<ValidationResult> {
  const listed = (dir: string, pattern: RegExp) =>
    existsSync(join(root, dir))
      ? readdirSync(join(root, dir))
          .filter(name => pattern.test(name))
          .sort()
          .map(name => join(dir, name))
      : []
  const actionYaml = join(root, 'action.yml')
  const inputs = existsSync(actionYaml)
    ? actionInputsOf(readFileSync(actionYaml, 'utf8'))
    : new Set<string>()
  const problems: WorkflowProblem[] = []
  const checked: string[] = []
  const skipped: { file: string; line: number; reason: string }[] = []

  for (const file of listed('.github/workflows', /\.ya?ml$/)) {
    problems.push(...(await validateWorkflow(file, readFileSync(join(root, file), 'utf8'), inputs)))
    checked.push(file)
  }
  const documents = [
    ...['README.md', 'MIGRATING.md'].filter(name => existsSync(join(root, name))),
    ...listed('docs', /\.md$/)
  ]
  for (const file of documents) {
    for (const block of yamlBlocks(file, readFileSync(join(root, file), 'utf8'))) {
      const result = await validateBlock(block, inputs)
      if (result.plan.kind === 'skip') {
        skipped.push({ file, line: block.line, reason: result.plan.reason })
        continue
      }
      problems.push(...result.problems)
      checked.push(`${file}:${block.line} (${result.plan.as})`)
    }
  }
  return { problems, checked, skipped }
}

async function main(): Promise<void> {
  const root = process.argv[2] ?? process.cwd()
  const { problems, checked, skipped } = await validateRepository(root)
  for (const p of skipped) console.log(`${p.file}:${p.line}: skipped: ${p.reason}`)
  for (const c of checked) console.log(`checked ${c}`)
  for (const p of problems) console.error(`${p.file}:${p.line}:${p.column}: ${p.message}`)
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`
  const summary = `${count(checked.length, 'workflow')} or fragments checked, ${count(skipped.length, 'block')} skipped`
  if (problems.length > 0) {
    console.error(`validate-workflows: ${count(problems.length, 'error')}; ${summary}`)
    process.exit(1)
  }
  console.log(`validate-workflows: no errors; ${summary}`)
}

// Run only as a script, not when a test imports the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(`validate-workflows: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  })
}
