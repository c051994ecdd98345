export { runPrune, type PruneOptions, type PruneResult } from './runPrune.js';
