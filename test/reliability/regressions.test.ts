// One deterministic test per bug the reliability scenarios found (docs/RELIABILITY.md, "found and
// fixed"): each failed before its fix, whatever the seed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHavre } from '../helpers/cli.js';
import { newRepo, type RepoFixture } from '../helpers/repoFixture.js';

describe('a damaged config.json (HAVRE_HOME) is a clear error, never an unexpected one', () => {
  let f: RepoFixture;
  beforeAll(() => {
    f = newRepo();
    mkdirSync(f.home, { recursive: true });
  });
  afterAll(() => f.cleanup());

  // Before: repo 5 → INTERNAL "paths[0] must be of type string"; copies {} → INTERNAL ".map is not a function".
  for (const [text, member] of [
    ['{"version":1,"repo":5}', 'repo is not an object'],
    ['{"version":1,"repo":{"path":"/tmp/x","repoId":"00112233445566778899aabbccddeeff"},"copies":{}}', 'copies is not a list'],
    ['{"version":1,"repo":{"kind":"s3","name":"cloud"}}', 'repo.endpoint is not valid'],
    ['{"version":1,"repo":{"kind":"appliance","url":"https://b:8443","applianceId":"x"}}', 'repo.applianceId is not valid'],
    ['{"version":1,"repo":{"path":7}}', 'repo.path is not valid'],
    ['{"version":1,"folders":"/home"}', 'folders is not a list of paths'],
    ['null', 'the file is not an object'],
    ['{"version":2}', 'newer version of Havre'],
  ] as const) {
    it(`${text} → USAGE naming ${member}`, async () => {
      writeFileSync(join(f.home, 'config.json'), text);
      const r = await runHavre(['snapshots', '--json'], f.env); // no --repo: the repository comes from config.json
      expect(r.code).toBe(1);
      const err = r.json<{ error: { code: string; message: string } }>().error;
      expect(err.code).toBe('USAGE');
      expect(err.message).toContain(member);
    });
  }
});
