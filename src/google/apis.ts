/**
 * The generated API clients, in one module that clients.ts imports dynamically: the bundle puts them (and
 * googleapis-common with its dependencies) in a chunk of their own, compiled while authentication waits on
 * the network instead of before the first request (npm run bench, cold start).
 */
export { artifactregistry_v1 } from 'googleapis/build/src/apis/artifactregistry/v1.js'
export { cloudresourcemanager_v1 } from 'googleapis/build/src/apis/cloudresourcemanager/v1.js'
export { cloudresourcemanager_v3 } from 'googleapis/build/src/apis/cloudresourcemanager/v3.js'
export { iam_v1 } from 'googleapis/build/src/apis/iam/v1.js'
export { policytroubleshooter_v3 } from 'googleapis/build/src/apis/policytroubleshooter/v3.js'
export { run_v2 } from 'googleapis/build/src/apis/run/v2.js'
