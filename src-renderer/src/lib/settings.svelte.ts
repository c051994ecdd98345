// The settings screen's state: the settings in effect and a draft the form edits; saving sends
// only what changed. Locked settings (IT's policy) come with their reason and are never sent.

import { SETTING_KEYS, type IpcError, type Settings, type SettingKey, type SettingsView, type SetupView, type EnrollRequest, type RestorePasswordRequest } from '../../../src-main/ipc/contract.js';
import type { HavreApi } from '../../../src-main/ipc/rendererApi.js';

export class SettingsState {
  view = $state<SettingsView | null>(null);
  draft = $state<Settings | null>(null);
  error = $state<IpcError | null>(null);
  saved = $state(false);
  saving = $state(false);
  setup = $state<SetupView | null>(null);
  enrollError = $state<IpcError | null>(null);
  enrolling = $state(false);
  passwordError = $state<IpcError | null>(null);
  savingPassword = $state(false);

  readonly #api: HavreApi;

  constructor(api: HavreApi) {
    this.#api = api;
  }

  async load(): Promise<void> {
    const [v, s] = await Promise.all([this.#api.invoke('settings:get'), this.#api.invoke('setup:get')]);
    if (v.ok) {
      this.view = v.value;
      this.draft = structuredClone(v.value.values);
    } else {
      this.error = v.error;
    }
    if (s.ok) this.setup = s.value;
  }

  locked(key: SettingKey): IpcError | undefined {
    return this.view?.locked[key];
  }

  /** The fields the draft changed (locked ones never). */
  changes(): Partial<Settings> {
    const out: Record<string, unknown> = {};
    if (!this.view || !this.draft) return {};
    for (const key of SETTING_KEYS) {
      if (this.locked(key)) continue;
      if (JSON.stringify(this.draft[key]) !== JSON.stringify(this.view.values[key])) out[key] = $state.snapshot(this.draft[key]);
    }
    return out as Partial<Settings>;
  }

  get dirty(): boolean {
    return Object.keys(this.changes()).length > 0;
  }

  async save(): Promise<void> {
    const patch = this.changes();
    if (Object.keys(patch).length === 0) return;
    this.saving = true;
    this.saved = false;
    const r = await this.#api.invoke('settings:set', patch);
    this.saving = false;
    if (r.ok) {
      this.view = r.value;
      this.draft = structuredClone(r.value.values);
      this.error = null;
      this.saved = true;
    } else {
      this.error = r.error;
    }
  }

  revert(): void {
    if (this.view) this.draft = structuredClone($state.snapshot(this.view.values));
    this.error = null;
  }

  async setRestorePassword(request: RestorePasswordRequest): Promise<boolean> {
    this.savingPassword = true;
    this.passwordError = null;
    const r = await this.#api.invoke('appliance:password', request);
    this.savingPassword = false;
    if (r.ok) this.setup = r.value;
    else this.passwordError = r.error;
    return r.ok;
  }

  async enroll(request: EnrollRequest): Promise<boolean> {
    this.enrolling = true;
    this.enrollError = null;
    const r = await this.#api.invoke('appliance:enroll', request);
    this.enrolling = false;
    if (r.ok) this.setup = r.value;
    else this.enrollError = r.error;
    return r.ok;
  }
}
