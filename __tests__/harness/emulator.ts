/**
 * The emulator as the end-to-end tests start it: on a clock 20 times as fast as the wall clock, shared with
 * the action it serves (src/clock.ts), so that retry backoffs, operation delays, polling and IAM
 * propagation keep their logic and their request counts but cost a twentieth of the wall time. Tests
 * assert on what happened (requests, outputs, state), never on how long it took.
 */
import { startEmulator, type Emulator, type StartOptions } from '../../emulator/server.js'
import type { Scenario } from '../../emulator/core.js'

export const TEST_TIME_SCALE = 0.05

export function startTestEmulator(
  scenario: Scenario | string,
  options: StartOptions = {}
): Promise<Emulator> {
  return startEmulator(scenario, { timeScale: TEST_TIME_SCALE, ...options })
}
