import { createHash, randomBytes } from 'node:crypto';
import type { TestAppliance } from './appliance.js';
import { call, type Reply } from './https.js';
import type { TestMachine } from './machines.js';

export function sha256Hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

export function objectPath(machineId: string, kind: string, name?: string): string {
  return `/v1/machines/${machineId}/objects/${kind}${name ? `/${name}` : ''}`;
}

/** Random bytes and their object name. */
export function newObject(size: number): { bytes: Buffer; name: string } {
  const bytes = randomBytes(size);
  return { bytes, name: sha256Hex(bytes) };
}

export function putObject(t: TestAppliance, m: TestMachine, kind: string, bytes: Buffer, name = sha256Hex(bytes)): Promise<Reply> {
  return call(t, 'PUT', objectPath(m.machineId, kind, name), { id: m.id, body: bytes, headers: { 'Content-Type': 'application/octet-stream' } });
}
