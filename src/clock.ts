/**
 * The action's time. Every wait (retry backoff, operation polling, IAM propagation, log ingestion) and
 * every deadline goes through here, never through setTimeout or Date.now directly.
 *
 * On a runner this is the wall clock. The project's own tests run the built action against the local
 * emulator on one faster clock that both processes share: the emulator puts
 * `CLOUD_RUN_DEPLOY_TEST_CLOCK=SCALE@EPOCH` into the environment it hands the action (emulator/server.ts),
 * and from EPOCH on both clocks run 1/SCALE times as fast as the wall clock: at SCALE 0.01 a 10 s wait
 * takes 100 ms. Retries, polling and propagation keep their logic and their request counts, and lose their
 * wall time. Sharing EPOCH keeps absolute times (a token's expireTime) consistent between the two.
 */
export const TEST_CLOCK_VARIABLE = 'CLOUD_RUN_DEPLOY_TEST_CLOCK'

export interface Clock {
  /** Milliseconds since 1970, on this clock. */
  now(): number
  /** Resolves after `ms` of this clock's time. */
  sleep(ms: number): Promise<void>
}

/** `SCALE@EPOCH` → a clock running 1/SCALE times as fast as the wall clock from EPOCH; wall clock otherwise. */
export function clockFrom(setting: string | undefined): Clock {
  const match = /^(0?\.\d+|1(?:\.0*)?)@(\d+)$/.exec(setting ?? '')
  const scale = Number(match?.[1])
  const epoch = Number(match?.[2])
  if (!match || !(scale > 0 && scale <= 1)) {
    return {
      now: () => Date.now(),
      sleep: ms => new Promise(resolve => setTimeout(resolve, Math.max(0, ms)))
    }
  }
  return {
    now: () => epoch + (Date.now() - epoch) / scale,
    sleep: ms => new Promise(resolve => setTimeout(resolve, Math.max(0, ms * scale)))
  }
}

export const clock: Clock = clockFrom(process.env[TEST_CLOCK_VARIABLE])
