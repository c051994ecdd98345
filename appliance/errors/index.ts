export { ApplianceError, isApplianceError, type ErrorParams } from './ApplianceError.js';
export { WIRE, LOCAL, isWireCode, type ApplianceErrorCode, type LocalErrorCode, type Lang } from './messages.js';
