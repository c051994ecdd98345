export { settingsUnderPolicy } from './apply.js';
export { ipcError, lastValidPolicyPath, loadPolicy, mergePolicies, type EffectivePolicy, type LoadPolicyOptions } from './loadPolicy.js';
export { parseRegQuery, registryToPolicy } from './registry.js';
export { EMPTY_POLICY, POLICY_SCHEMA, type NotificationLevel, type Policy, type PolicySettings, type PolicyTarget, type UpdateChannel } from './schema.js';
export { MAC_DOMAIN, REGISTRY_KEY, jsonFileSource, managedSources, parsePolicyBytes, plistFileSource, registrySource, type PolicySource, type RunReg } from './sources.js';
export { expandFolders, parsePolicy, policyProblems, policySettings } from './validate.js';
export { RETRY_MINUTES, enrollFromPolicy, enrollStatePath, keepEnrollingFromPolicy, type PolicyEnrollOptions, type SilentEnrollOutcome } from './enrollFromPolicy.js';
