import { ActionError } from '../errors.js'
import type { GoogleCallError } from '../google/errors.js'

/** A token endpoint that kept failing after every retry: the run cannot go on, and it is not the user's doing. */
export function unavailable(error: GoogleCallError): ActionError {
  return new ActionError(
    `Authentication failed: ${error.call} kept failing (${error.status}: ${error.message}) after ` +
      'retries; this is on the server side. Rerun later.'
  )
}
