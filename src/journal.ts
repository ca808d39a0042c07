/**
 * What the run has changed in Google Cloud so far, recorded the moment it happens: a run cancelled by the
 * runner (src/main.ts, on SIGINT or SIGTERM) reports from here, so that no IAM write is ever left without a
 * record, even one whose answer had not come back yet.
 */
export interface IamWrite {
  readonly resource: string
  readonly member: string
  readonly role: string
  readonly by: string
  /** `sent`: the write left and its answer has not come back; `written`: it is in the policy. */
  state: 'sent' | 'written' | 'failed'
  readonly etagBefore: string | undefined
  etagAfter?: string
}

export const journal: { readonly iamWrites: IamWrite[] } = { iamWrites: [] }
