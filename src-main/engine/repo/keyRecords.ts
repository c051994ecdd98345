import { parseKeysRecord, type KeysRecord } from '../crypto/index.js';
import { HavreError } from '../errors/index.js';
import type { Store } from '../store/index.js';
import { objectName } from '../store/index.js';
import { parseRepoConfig, type RepoConfig } from './config/RepoConfig.js';

/** Reads the single config object; a folder without one is not a repository. */
export async function readConfig(store: Store): Promise<{ config: RepoConfig; name: string }> {
  const list = await store.list('config');
  if (list.length === 0) throw new HavreError('NOT_A_REPO', { path: store.location });
  if (list.length > 1) throw new HavreError('REPO_CONFIG_INVALID', { reason: `${list.length} config objects` });
  const name = list[0]!.name;
  const bytes = await store.get('config', name);
  if (objectName(bytes) !== name) throw new HavreError('REPO_CONFIG_INVALID', { reason: 'config bytes do not match their name' });
  return { config: parseRepoConfig(bytes), name };
}

export async function readKeyRecords(store: Store, repoId: string): Promise<KeysRecord[]> {
  const out: KeysRecord[] = [];
  for (const { name } of await store.list('keys')) {
    const bytes = await store.get('keys', name);
    if (objectName(bytes) !== name) continue; // a damaged record is skipped; another may unlock
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch {
      continue;
    }
    const rec = parseKeysRecord(json);
    if (rec.repoId === repoId) out.push(rec);
  }
  if (out.length === 0) throw new HavreError('REPO_CONFIG_INVALID', { reason: 'no key record for this repository' });
  return out;
}
