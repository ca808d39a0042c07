/**
 * Publishing, the run's last stage: annotations, outputs, the job summary and the PR comment, each on its
 * own. A channel that fails is a warning naming it; the outcome, the exit code and the other channels are
 * unchanged.
 */
import * as core from '@actions/core'
import type { Config } from '../config.js'
import { annotate, findStepLocation } from './annotations.js'
import { setOutputs } from './outputs.js'
import { upsertPullRequestComment } from './prComment.js'
import { isBlocking, type RunReport } from './report.js'
import { renderSummary } from './summary.js'

async function channel(name: string, work: () => unknown): Promise<void> {
  try {
    await work()
  } catch (thrown) {
    const why = thrown instanceof Error ? thrown.message : String(thrown)
    core.warning(
      `Could not publish the ${name}: ${why.split('\n')[0]}. The deploy's outcome is unchanged.`
    )
  }
}

export async function publish(
  config: Config,
  report: RunReport,
  { comment = true }: { comment?: boolean } = {}
): Promise<void> {
  await channel('annotations', () =>
    annotate(report.findings, findStepLocation(), f => isBlocking(report, f))
  )
  await channel('outputs', () => setOutputs(report))
  await channel('job summary', async () => {
    // Older GHES, compatible runners and local runs have no summary file: then there is no summary.
    if (!process.env.GITHUB_STEP_SUMMARY) {
      core.info('GITHUB_STEP_SUMMARY is not set: no job summary written.')
      return
    }
    await core.summary.addRaw(renderSummary(report)).write()
  })
  if (comment && config.prComment) {
    await channel('PR comment', () => upsertPullRequestComment(report, config.githubToken))
  }
}
