import { parsePullFailure, pullFailureFinding } from '../../src/deploy/diagnose.js'

// The seed article's error, verbatim (REFERENCE.md), with the agent's number filled in.
const SEED =
  'Google Cloud Run Service Agent service-111111111111@serverless-robot-prod.iam.gserviceaccount.com must have permission to read the image, asia-northeast1-docker.pkg.dev/myproject-b/myrepo/myjob. Ensure that the provided container image URL is correct and that the above account has permission to access the image. If you just enabled the Cloud Run API, the permissions might take a few minutes to propagate. Note that the image is from project [myproject-b], which is not the same as this project [myproject-a]. Permission must be granted to the Google Cloud Run Service Agent service-111111111111@serverless-robot-prod.iam.gserviceaccount.com from this project. See https://cloud.google.com/run/docs/deploying#other-projects Cause: 403 Forbidden GET https://asia-northeast1-docker.pkg.dev/v2/myproject-b/myrepo/myjob/manifests/latest {"errors":[{"code":"DENIED","message":"Permission \\"artifactregistry.repositories.downloadArtifacts\\" denied on resource \\"projects/myproject-b/locations/asia-northeast1/repositories/myrepo\\" (or it may not exist)"}]}'

test('the seed error is parsed into agent, image, projects and repository', () => {
  expect(parsePullFailure(SEED)).toEqual({
    serviceAgent: 'service-111111111111@serverless-robot-prod.iam.gserviceaccount.com',
    image: 'asia-northeast1-docker.pkg.dev/myproject-b/myrepo/myjob',
    imageProject: 'myproject-b',
    targetProject: 'myproject-a',
    repository: 'projects/myproject-b/locations/asia-northeast1/repositories/myrepo'
  })
})

test('the same failure behind "Error code 13" (jobs) is recognised', () => {
  expect(parsePullFailure(`Error code 13, ${SEED}`)?.repository).toBe(
    'projects/myproject-b/locations/asia-northeast1/repositories/myrepo'
  )
})

test('the finding carries the one command that fixes it', () => {
  const finding = pullFailureFinding(parsePullFailure(SEED)!)
  expect(finding).toMatchObject({ status: 'missing', source: 'deploy', check: 'service-agent' })
  expect(finding.fix?.gcloud).toBe(
    'gcloud artifacts repositories add-iam-policy-binding myrepo --project=myproject-b --location=asia-northeast1 --member=serviceAccount:service-111111111111@serverless-robot-prod.iam.gserviceaccount.com --role=roles/artifactregistry.reader'
  )
  expect(finding.fix?.terraform).toContain('google_artifact_registry_repository_iam_member')
})

test.each([
  "Image 'x' not found.",
  'The user-provided container failed to start and listen on the port',
  'Permission denied on resource project myproject-a.'
])('other failures are not mistaken for it: %s', message => {
  expect(parsePullFailure(message)).toBeUndefined()
})
