import { HavreError, errnoCode } from './HavreError.js';

/**
 * A file-system failure on this computer's own files (catalog, configuration, restore target) that
 * the user can act on: a full disk or a refused permission, as a HavreError naming `path`; null
 * for any other failure.
 */
export function localFailure(e: unknown, path: string, full: 'LOCAL_DISK_FULL' | 'TARGET_FULL' = 'LOCAL_DISK_FULL'): HavreError | null {
  switch (errnoCode(e)) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new HavreError(full, { path }, { cause: e });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return full === 'TARGET_FULL'
        ? new HavreError('TARGET_NOT_WRITABLE', { path, reason: 'permission denied' }, { cause: e })
        : new HavreError('LOCAL_PERMISSION', { path }, { cause: e });
    default:
      return null;
  }
}
