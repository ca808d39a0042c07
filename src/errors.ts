/**
 * Errors a user can act on. main.ts turns any of them into one `core.setFailed` line;
 * anything else is a bug and is reported as such.
 */
export class ActionError extends Error {
  override readonly name: string = 'ActionError'
}

/** An input that cannot be used: names the input, the value it got and the form it expects. */
export class InputError extends ActionError {
  override readonly name = 'InputError'
  constructor(
    readonly input: string,
    readonly value: string,
    readonly expected: string
  ) {
    super(`Input ${input}: got ${JSON.stringify(value)}; expected ${expected}.`)
  }
}

/**
 * An entry of a list input (env_vars, secrets, labels, flags, ...) that cannot be used. It names the
 * input, the entry's position (1-based) and its key, never the value or any part of it: a value may be a
 * secret, and the runner cannot mask a fragment of one.
 */
export class InputEntryError extends ActionError {
  override readonly name = 'InputEntryError'
  constructor(
    readonly input: string,
    readonly position: number,
    readonly key: string | undefined,
    readonly expected: string
  ) {
    super(`Input ${input}: entry ${position}${key ? ` (${key})` : ''}: expected ${expected}.`)
  }
}
