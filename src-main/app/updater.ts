// Updates (issue 8): electron-updater with a generic provider on the appliance this machine is
// enrolled with (PROTOCOL.md §9), the channel and on/off from IT's policy. Fail closed, twice over:
// before electron-updater downloads anything, the engine checks the feed's Ed25519 signature and
// refuses downgrades; after the download, the file's size and SHA-512 against that signed feed.
// electron-updater adds its own checks: SHA-512, the Windows publisher (NSIS) and Squirrel.Mac's
// code-signature check. Only then is the update installed, when the app quits.
import { session } from 'electron';
import type { AppUpdater } from 'electron-updater';
import { caFile } from '../engine/appliance/localFiles.js';
import { HavreError, isHavreError } from '../engine/errors/index.js';
import { readHomeConfig } from '../engine/home/homeConfig.js';
import type { Policy } from '../engine/policy/index.js';
import { fetchVerifiedUpdate, issuedByPinnedCa, RELEASE_PUBLIC_KEYS, verifyDownload, type UpdateSource } from '../engine/update/index.js';
import { readFile } from 'node:fs/promises';

const CHECK_EVERY_MS = 4 * 60 * 60 * 1000;
/** electron-updater's own session (electronHttpExecutor.ts, NET_SESSION_NAME). */
const UPDATER_PARTITION = 'electron-updater';

export interface UpdaterOptions {
  readonly home: string;
  readonly policy: Policy;
  readonly currentVersion: string;
  readonly log: (line: string) => void;
  /** A refused update, told to the user and written to the log. */
  readonly onRefused: (e: HavreError) => void;
}

/** Points electron-updater at the appliance this machine is enrolled with; null when there is none. */
async function configure(autoUpdater: AppUpdater, opts: UpdaterOptions, channel: 'stable' | 'beta'): Promise<UpdateSource | null> {
  const repo = (await readHomeConfig(opts.home)).repo;
  if (repo?.kind !== 'appliance') return null;
  const ca = await readFile(caFile(opts.home, repo.applianceId), 'utf8');
  const source: UpdateSource = { baseUrl: `${repo.url}/v1/updates`, ca };
  const host = new URL(repo.url).hostname;
  session.fromPartition(UPDATER_PARTITION, { cache: false }).setCertificateVerifyProc((req, callback) => {
    // 0: trusted; -2: refused; -3: Chromium decides (not the appliance).
    callback(req.hostname !== host ? -3 : issuedByPinnedCa(req.certificate.data, ca, req.hostname) ? 0 : -2);
  });
  autoUpdater.setFeedURL({ provider: 'generic', url: source.baseUrl, channel: channel === 'stable' ? 'latest' : 'beta' });
  // Setting the channel turns allowDowngrade on: turned off again after it.
  autoUpdater.allowPrerelease = channel === 'beta';
  autoUpdater.allowDowngrade = false;
  autoUpdater.autoDownload = false;
  autoUpdater.logger = null;
  return source;
}

/**
 * Checks now and every 4 hours (the machine may enroll later: each check looks again); returns a
 * function that stops it. Does nothing when the policy turns updates off.
 */
export function startUpdates(opts: UpdaterOptions): () => void {
  if (opts.policy.updates?.enabled === false) return () => undefined;
  const channel = opts.policy.updates?.channel ?? 'stable';
  let updater: AppUpdater | null = null;
  const check = async (): Promise<void> => {
    // Loaded on first use: electron-updater reaches for Electron as it loads.
    if (!updater) {
      updater = (await import('electron-updater')).default.autoUpdater;
      updater.autoInstallOnAppQuit = false;
    }
    const autoUpdater = updater;
    try {
      const source = await configure(autoUpdater, opts, channel);
      if (!source) return;
      const verified = await fetchVerifiedUpdate(source, { channel, platform: process.platform, currentVersion: opts.currentVersion, trustedKeys: RELEASE_PUBLIC_KEYS });
      if (!verified) return;
      const found = await autoUpdater.checkForUpdates();
      if (!found?.isUpdateAvailable || found.updateInfo.version !== verified.feed.version) {
        throw new HavreError('UPDATE_REFUSED', { reason: 'the feed changed between two reads', current: opts.currentVersion });
      }
      const [file] = await autoUpdater.downloadUpdate();
      if (!file) throw new HavreError('UPDATE_REFUSED', { reason: 'nothing was downloaded', current: opts.currentVersion });
      await verifyDownload(file, verified.file, opts.currentVersion);
      autoUpdater.autoInstallOnAppQuit = true;
      opts.log(`updates: ${verified.feed.version} downloaded and verified; installed when Havre quits`);
    } catch (e) {
      autoUpdater.autoInstallOnAppQuit = false;
      if (isHavreError(e, 'UPDATE_REFUSED')) opts.onRefused(e);
      else opts.log(`updates: check failed (${isHavreError(e) ? e.code : e instanceof Error ? e.name : 'error'})`);
    }
  };
  void check();
  const timer = setInterval(() => void check(), CHECK_EVERY_MS);
  return () => clearInterval(timer);
}
