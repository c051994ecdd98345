export { HavreError, isHavreError, errnoCode, userLang, type ErrorParams } from './HavreError.js';
export { messages, type ErrorCode, type Lang } from './codes.js';
export { localFailure } from './localFailure.js';
