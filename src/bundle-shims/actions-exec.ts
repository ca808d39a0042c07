/**
 * @actions/core imports @actions/exec (and @actions/io) for core.platform.getDetails alone, which the
 * action never calls (ESLint forbids core.platform).
 */
export function getExecOutput(): never {
  throw new Error('@actions/exec is not bundled (see src/bundle-shims/actions-exec.ts)')
}
