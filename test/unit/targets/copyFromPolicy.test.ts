import { describe, expect, it } from 'vitest';
import { HavreError } from '../../../src-main/engine/errors/index.js';
import { copyFromPolicy } from '../../../src-main/engine/targets/index.js';

const base = { kind: 's3' as const, name: 'cloud', endpoint: 'https://s3.example', bucket: 'backups' };
const repoId = 'ab'.repeat(16);

describe('copyFromPolicy: what a policy target means on one machine', () => {
  it('makes the prefix this machine’s, sent after each backup, locked 30 days in GOVERNANCE unless told', () => {
    expect(copyFromPolicy({ ...base, prefix: 'pcs/{host}/{user}/' }, repoId, { host: 'PC-ANA', user: 'ana' })).toEqual({
      kind: 's3', name: 'cloud', endpoint: 'https://s3.example', region: 'us-east-1', bucket: 'backups', prefix: 'pcs/PC-ANA/ana/', addressing: 'path',
      lock: { mode: 'GOVERNANCE', days: 30 }, repoId, timing: 'after', fromPolicy: true,
    });
    expect(copyFromPolicy({ ...base, lockMode: 'compliance', lockDays: 90, region: 'eu-west-3', addressing: 'virtual' }, repoId, { host: 'h', user: 'u' }))
      .toMatchObject({ lock: { mode: 'COMPLIANCE', days: 90 }, region: 'eu-west-3', addressing: 'virtual', prefix: '' });
    expect(copyFromPolicy({ ...base, lockMode: 'none' }, repoId, { host: 'h', user: 'u' }).lock).toBeNull();
  });

  it('a host or user name cannot climb out of its segment or add one', () => {
    const r = copyFromPolicy({ ...base, prefix: 'pcs/{host}/{user}' }, repoId, { host: '../../etc', user: 'DOMAIN\\marie/x' });
    expect(r.prefix).toBe('pcs/.._.._etc/DOMAIN_marie_x/');
    expect(copyFromPolicy({ ...base, prefix: '{host}' }, repoId, { host: '..', user: 'u' }).prefix).toBe('_/');
  });

  it('a prefix the policy got wrong is a clear error, not a stray object key', () => {
    expect(() => copyFromPolicy({ ...base, prefix: '/abs' }, repoId, { host: 'h', user: 'u' })).toThrow(HavreError);
  });
});
