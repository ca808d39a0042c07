/** The one shape every way of authenticating produces: tokens that know their expiry. */

/** An access token and when it expires, in milliseconds on the action's clock (src/clock.ts). */
export interface Token {
  readonly token: string
  readonly expiresAt: number
}

/** Fetches a new token; called for the first token and again whenever the current one is due. */
export type TokenSource = () => Promise<Token>

/** A way of authenticating: its tokens, who they stand for, and how to name it in the summary. */
export interface Source {
  readonly source: TokenSource
  /** The IAM member the action acts as, when it can be known without a call (after the first token). */
  readonly principal: () => string | undefined
  readonly method: string
}
