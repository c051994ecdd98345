// got, loaded at first use: with its dependencies it is about 60 ms of start-up that a run with no
// appliance and no update check never needs (the CLI's no-op backup takes about a second).
import type { Got } from 'got';

let loading: Promise<Got> | null = null;

export function loadGot(): Promise<Got> {
  loading ??= import('got').then((m) => m.default);
  return loading;
}
