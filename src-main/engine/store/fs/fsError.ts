import { HavreError, errnoCode } from '../../errors/index.js';

/** Maps a Node file-system error to the user-facing error it means for a store. */
export function fsError(e: unknown, path: string): HavreError {
  if (e instanceof HavreError) return e;
  const code = errnoCode(e);
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new HavreError('STORE_FULL', { path }, { cause: e });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new HavreError('STORE_PERMISSION', { path }, { cause: e });
    case 'ENOENT':
    case 'ENODEV':
    case 'ENXIO':
    case 'ESTALE':
    case 'ENOTCONN':
    case 'EHOSTDOWN':
      return new HavreError('STORE_UNAVAILABLE', { path, reason: code }, { cause: e });
    default:
      return new HavreError('STORE_IO', { path, reason: code ?? (e instanceof Error ? e.message : String(e)) }, { cause: e });
  }
}
