// Two machines enrolled on a test appliance — alice's PC-ALICE, which backs `source` up once, and
// bob's PC-BOB, enrolled only — for the tests of password sessions (engine and UI).
import { join } from 'node:path';
import { expect } from 'vitest';
import { enrollMachine } from '../../src-main/engine/appliance/index.js';
import { memoryKeychain } from '../../src-main/engine/keychain/index.js';
import { createEngineService } from '../../src-main/engine/service/index.js';
import { updateSettings } from '../../src-main/engine/settings/index.js';
import type { EngineEvent, JobResult } from '../../src-main/ipc/contract.js';
import { FAST_RETRY, USER_PASSWORD, type RunningAppliance } from '../integration/appliance-client/helpers.js';

export async function aliceAndBob(appl: RunningAppliance, root: string, source: { src: string }): Promise<void> {
  for (const [user, host] of [['alice', 'PC-ALICE'], ['bob', 'PC-BOB']] as const) {
    const home = join(root, `home-${user}`);
    const keychain = memoryKeychain();
    await enrollMachine({ url: appl.url, token: await appl.token(), user, host, password: USER_PASSWORD, keychain, home, kdf: 'test', client: { retry: FAST_RETRY } });
    if (user !== 'alice') continue;
    await updateSettings(home, { folders: [source.src] });
    const engine = await createEngineService({ home, credentials: async () => ({ keychain }), protect: false });
    const done = new Promise<JobResult>((resolve) => engine.subscribe((e: EngineEvent) => {
      if (e.type === 'job:result') resolve(e.payload);
    }));
    await engine.startBackup();
    expect((await done).ok).toBe(true);
    await engine.close();
  }
}
