/**
 * Validates action.yml against GitHub's own action schema (@actions/workflow-parser, the parser behind
 * GitHub's language services; it knows `runs.using: node24`). Run with tsx: the package imports its JSON
 * schema without import attributes, which plain Node ESM refuses (REFERENCE.md).
 */
import { readFileSync } from 'node:fs'
import { NoOperationTraceWriter } from '@actions/workflow-parser'
import { parseAction } from '@actions/workflow-parser/actions/index'

const path = process.argv[2] ?? 'action.yml'
const result = parseAction(
  { name: path, content: readFileSync(path, 'utf8') },
  new NoOperationTraceWriter()
)
const errors = result.context.errors.getErrors()
if (errors.length > 0) {
  for (const error of errors) console.error(`${path}: ${error.message}`)
  process.exit(1)
}
console.log(`${path}: valid`)
