// The user's settings under IT's policy: defaults, then what IT suggests (userMayChange), then the
// user's own choices, then what IT fixes; a fixed setting is `locked`, with the reason shown.
import type { IpcError, SettingKey, Settings, SettingsView } from '../../ipc/contract.js';
import { HavreError } from '../errors/index.js';
import type { EffectivePolicy } from './loadPolicy.js';
import { ipcError } from './loadPolicy.js';
import { policySettings } from './validate.js';

export function settingsUnderPolicy(defaults: Settings, mine: Partial<Settings>, effective: EffectivePolicy, userHome: string): SettingsView {
  const fromPolicy = policySettings(effective.policy.settings, userHome);
  const mayChange = new Set<string>(effective.policy.userMayChange ?? []);
  const suggested: Partial<Settings> = {};
  const fixed: Partial<Settings> = {};
  for (const [k, v] of Object.entries(fromPolicy)) Object.assign(mayChange.has(k) ? suggested : fixed, { [k]: v });
  const reason = effective.policy.lockReason ?? (effective.sources.length > 0 ? effective.sources.join(', ') : 'machine policy');
  const lock: IpcError = ipcError(new HavreError('POLICY_LOCK', { reason }));
  const locked: Partial<Record<SettingKey, IpcError>> = {};
  for (const k of Object.keys(fixed) as SettingKey[]) locked[k] = lock;
  return { values: { ...defaults, ...suggested, ...mine, ...fixed }, locked };
}
