/**
 * Writes docs/examples/*.md: one example report per outcome, each from a real run of the built action
 * against the local emulator (scripts/examples.ts). Run after a change to what the action shows, and
 * commit the files; __tests__/e2e/examples.test.ts fails while they differ from what the action renders.
 * Run: npm run render-examples (builds dist/ first when the sources changed).
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { relative } from 'node:path'
import { PROJECT_ROOT } from '../__tests__/harness/runAction.js'
import { EXAMPLES, EXAMPLES_DIR, examplePath, renderExample } from './examples.js'

mkdirSync(EXAMPLES_DIR, { recursive: true })
const rendered = await Promise.all(EXAMPLES.map(renderExample))
EXAMPLES.forEach((example, i) => {
  const path = examplePath(example)
  const text = rendered[i] ?? ''
  const before = existsSync(path) ? readFileSync(path, 'utf8') : undefined
  if (before !== text) writeFileSync(path, text)
  const state = before === undefined ? 'written' : before === text ? 'unchanged' : 'updated'
  console.log(`${relative(PROJECT_ROOT, path)}: ${state}`)
})
