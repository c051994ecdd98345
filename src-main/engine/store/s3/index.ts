// The S3 store (DESIGN.md §4): any S3-compatible service, SigV4, Object Lock on every object.
export { S3Store } from './S3Store.js';
export type { S3Location, S3Credentials, S3StoreOptions, S3Timeouts } from './S3Settings.js';
export type { BucketReport, CheckResult, VersioningStatus } from './BucketReport.js';
export { normalisePrefix, objectKey, kindPrefix, nameFromKey, probeKey } from './objectKeys.js';
export { checkEndpoint, isLoopbackHost } from './endpoint.js';
