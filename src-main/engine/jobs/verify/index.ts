export { runVerify, type VerifyOptions, type VerifyResult, type VerifyProblem, type AffectedFile } from './runVerify.js';
export { loadAllSnapshots } from './readRepo.js';
