import { describe, it, expect } from 'vitest';
import { createHmac } from 'node:crypto';
import { gearTable } from '../../../src-main/engine/chunk/index.js';
import { KEY1, KEY2 } from './helpers.js';

describe('gearTable', () => {
  it('matches HMAC-SHA256(K, "gear" ‖ u8(i))[0:4] as a little-endian u32 (FORMAT.md §5)', () => {
    const table = gearTable(KEY1);
    expect(table).toHaveLength(256);
    for (let i = 0; i < 256; i++) {
      const mac = createHmac('sha256', KEY1).update(Buffer.from([0x67, 0x65, 0x61, 0x72, i])).digest();
      expect(table[i]).toBe(mac[0]! + mac[1]! * 2 ** 8 + mac[2]! * 2 ** 16 + mac[3]! * 2 ** 24);
    }
  });

  it('matches known answers computed with openssl', () => {
    // printf 'gear\x00' | openssl dgst -sha256 -mac HMAC -macopt hexkey:0101…01 → dbd61501…
    expect(gearTable(KEY1)[0]).toBe(0x0115d6db);
    expect(gearTable(KEY1)[255]).toBe(0xa760eb7c);
    expect(gearTable(KEY2)[0]).toBe(0xce33d47e);
  });

  it('is deterministic and differs per key', () => {
    expect(gearTable(KEY1)).toEqual(gearTable(Buffer.alloc(32, 0x01)));
    const a = gearTable(KEY1);
    const b = gearTable(KEY2);
    let same = 0;
    for (let i = 0; i < 256; i++) if (a[i] === b[i]) same++;
    expect(same).toBe(0);
  });
});
