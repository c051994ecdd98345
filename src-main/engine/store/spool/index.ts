export { SpoolingStore, type SpoolPending, type DrainResult } from './SpoolingStore.js';
