// A repository on several targets (docs/TARGETS.md): the primary (folder, appliance or bucket)
// and cloud copies, seen by the engine as one Store.
export { isAwayError, readOrder, type Target } from './Target.js';
export { TargetSet, PREREQUISITES, lockedUntil, type TargetSetOptions } from './TargetSet.js';
export { catchUp, seedTarget, finishDeletions, extendLocks, type CatchUpOptions, type CatchUpResult } from './catchUp.js';
export { openTargets, openS3Target, targetNames, DEFAULT_PARALLEL_UPLOADS, type OpenTargetsOptions, type OpenedTargets } from './openTargets.js';
export { withTargets, catchUpAll, type TargetRunHooks } from './withTargets.js';
export { s3Account, saveS3Credentials, loadS3Credentials, deleteS3Credentials, s3CredentialsFromEnv, ENV_ACCESS_KEY_ID, ENV_SECRET_ACCESS_KEY } from './s3Credentials.js';
export { UnavailableStore } from './UnavailableStore.js';
export { refuseIfUnfit } from './bucketFitness.js';
export { applyPolicyTargets, copyFromPolicy, type PolicyTargetProblem, type PolicyTargetsOptions, type PolicyTargetsResult } from './policyTargets.js';
