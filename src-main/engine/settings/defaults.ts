import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Settings } from '../../ipc/contract.js';

/** The folders an employee expects protected without being asked: those of them that exist. */
export function defaultFolders(userHome = homedir()): string[] {
  return ['Documents', 'Desktop', 'Pictures'].map((d) => join(userHome, d)).filter((p) => existsSync(p));
}

/**
 * What a fresh install does (docs/DECISIONS.md, "Continuous protection defaults"): watch the usual
 * folders and back up changes within seconds, scan hourly as a safety net, keep laptops' batteries
 * and metered links alone below 20 % and on metered networks, stay out of the user's way.
 */
export function defaultSettings(userHome = homedir()): Settings {
  return {
    folders: defaultFolders(userHome),
    exclusions: [],
    defaultExclusions: true,
    maxFileSizeMiB: null,
    continuous: true,
    scanIntervalMinutes: 60,
    window: null,
    pauseOnBattery: false,
    minBatteryPercent: 20,
    pauseOnMetered: true,
    uploadKiBps: null,
    bandwidthRules: [],
    cpuPriority: 'low-when-active',
  };
}
