// Every npm script starts here: the project needs Node 24 (googleapis and google-auth-library require
// Node >= 22; actions run on node24), which `npm ci` installs into node_modules/.bin from the `node`
// package. Plain JavaScript, so that it runs on whatever Node the shell found and says so in one line.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const pinned = ['node', 'node.cmd', 'node.exe'].some(name =>
  existsSync(join(root, 'node_modules', '.bin', name))
)
if (!process.version.startsWith('v24.')) {
  const why = pinned
    ? `node_modules/.bin/node is not Node 24`
    : 'node_modules/.bin/node is missing (npm ci --ignore-scripts skips the install of the `node` package)'
  console.error(
    `Node 24 is required, but this script runs on Node ${process.version} (${process.execPath}): ${why}. Run \`npm ci\`, or \`npm rebuild node\` after --ignore-scripts.`
  )
  process.exit(1)
}

// `node scripts/node24.mjs FILE.ts ARGS...` then runs FILE.ts in this same process (tsx's loader), not in a
// child: a signal sent to `npm run` reaches the one process that serves (the emulator stops on Ctrl-C
// however it is delivered).
const [, , script] = process.argv
if (script) {
  const { register } = await import('tsx/esm/api')
  const { pathToFileURL } = await import('node:url')
  register()
  process.argv.splice(1, 1)
  await import(pathToFileURL(join(process.cwd(), script)).href)
}
