// What most scenarios check at the end: a reader with a catalog of its own (as on a new machine)
// verifies the repository with --read-data and restores a snapshot, which must equal a tree.
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ApplianceClient } from '../../../src-main/engine/appliance/index.js';
import { runRestore, runVerify } from '../../../src-main/engine/jobs/index.js';
import { Repository } from '../../../src-main/engine/repo/index.js';
import { ApplianceStore } from '../../../src-main/engine/store/appliance/index.js';
import type { Store } from '../../../src-main/engine/store/index.js';
import type { RetryPolicy } from '../../../src-main/engine/net/retry.js';
import type { TestAppliance } from '../../appliance/helpers/appliance.js';
import type { TestMachine } from '../../appliance/helpers/machines.js';
import type { RepoFixture } from '../../helpers/repoFixture.js';
import { describeTree } from '../../helpers/trees.js';
import { objectsOf } from './repo.js';

/** Opens the repository in `store` with a new, empty catalog (in a folder made under `scratch`). */
export function freshReader(store: Store, password: string, scratch: string): Promise<Repository> {
  return Repository.open(store, { home: mkdtempSync(join(scratch, 'reader-')), credentials: { password } });
}

/** verify --read-data finds nothing, and `snapshot` restores to exactly the tree at `src` now. */
export async function expectWhole(store: Store, password: string, scratch: string, snapshot: string, src: string, label = ''): Promise<void> {
  const reader = await freshReader(store, password, scratch);
  try {
    expect((await runVerify(reader, { readData: true })).problems, label).toEqual([]);
    const out = mkdtempSync(join(scratch, 'out-'));
    expect((await runRestore(reader, { snapshot, target: out })).failed, label).toEqual([]);
    expect(await describeTree(join(out, src)), label).toEqual(await describeTree(src));
  } finally {
    reader.close();
  }
}

/** Puts a template repository's config and keys objects in a store, as init would have. */
export async function seedRepository(store: Store, template: RepoFixture): Promise<void> {
  for (const kind of ['config', 'keys'] as const) for (const o of objectsOf(template.repo, kind)) await store.put(kind, o.name, readFileSync(o.path));
}

/** A machine's store on the appliance, through the real client (over `port`, a proxy's, if given). */
export function machineStore(t: TestAppliance, m: TestMachine, opts: { port?: number; retry?: Partial<RetryPolicy> } = {}): { client: ApplianceClient; store: ApplianceStore } {
  const client = new ApplianceClient({ url: `https://127.0.0.1:${opts.port ?? t.port}`, ca: t.caPem, clientCertificate: { cert: m.id.certPem, key: m.id.keyPem },
    ...(opts.retry ? { retry: opts.retry } : {}) });
  return { client, store: new ApplianceStore(client, m.machineId) };
}
