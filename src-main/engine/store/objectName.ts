import { createHash } from 'node:crypto';
import { HavreError } from '../errors/index.js';
import type { ObjectKind } from './Store.js';

const NAME = /^[0-9a-f]{64}$/;

/** The name of an object: SHA-256 of its bytes, in hex (docs/FORMAT.md §1). */
export function objectName(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Refuses anything but 64 lowercase hex characters, so a name can never become a path. */
export function assertObjectName(kind: ObjectKind, name: string): void {
  if (!NAME.test(name)) throw new HavreError('INTEGRITY', { what: `object name ${kind}/${name.slice(0, 80)}` });
}

export function isObjectName(name: string): boolean {
  return NAME.test(name);
}
