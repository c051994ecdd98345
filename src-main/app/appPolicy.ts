// What IT's policy decides for the desktop app itself: whether the user may quit it, and whether it
// starts at login. Packaged builds read the machine policy's `app` (engine/policy: registry,
// configuration profile, /etc/havre); unpackaged builds may point HAVRE_APP_POLICY at a JSON file.

import { readFile } from 'node:fs/promises';
import type { NotificationLevel, Policy } from '../engine/policy/index.js';

export interface AppPolicy {
  /** The tray's "Quit": false when IT wants Havre always running. */
  readonly allowQuit: boolean;
  /** Start Havre, hidden in the tray, when the user logs in. */
  readonly startAtLogin: boolean;
  /** OS notifications: `all` (failures, alerts, and the successes the user asked for), `failures`, or `none` (the tray still shows the state). */
  readonly notifications?: NotificationLevel;
}

export const DEFAULT_APP_POLICY: AppPolicy = { allowQuit: true, startAtLogin: true };

/** The policy in `file` over the defaults; a missing or malformed file leaves the defaults (and says so in the log). */
export async function loadAppPolicy(file: string | undefined, log?: (line: string) => void): Promise<AppPolicy> {
  if (file === undefined) return DEFAULT_APP_POLICY;
  try {
    const o: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error('not an object');
    const v = o as Record<string, unknown>;
    const bool = (k: 'allowQuit' | 'startAtLogin'): boolean => (typeof v[k] === 'boolean' ? (v[k] as boolean) : DEFAULT_APP_POLICY[k]);
    return { allowQuit: bool('allowQuit'), startAtLogin: bool('startAtLogin') };
  } catch (e) {
    log?.(`policy: ${file} ignored (${e instanceof Error ? e.message : 'unreadable'})`);
    return DEFAULT_APP_POLICY;
  }
}

/** The machine policy's `app` over the defaults. */
export function appPolicyFrom(policy: Policy): AppPolicy {
  return { allowQuit: policy.app?.allowQuit ?? DEFAULT_APP_POLICY.allowQuit, startAtLogin: policy.app?.startAtLogin ?? DEFAULT_APP_POLICY.startAtLogin,
    ...(policy.notifications ? { notifications: policy.notifications.level } : {}) };
}
