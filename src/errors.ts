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
