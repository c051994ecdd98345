export { applyRetention, parseKeepWithin, type RetentionDecision, type RetentionPolicy } from './retentionPolicy.js';
