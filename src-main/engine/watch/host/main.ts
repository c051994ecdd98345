// The watch host: a child process of the engine that runs @parcel/watcher for every root and
// reports over the IPC channel. The engine replaces it whenever a root needs a fresh subscription,
// and its crashes cannot take the engine with them (README.md, "Why a separate process").
import type { FromHost, ToHost } from '../protocol.js';
import type { ChangeKind } from '../types.js';
import { RootWatch } from './RootWatch.js';

/** Changes are sent at most this often, as one message (a burst is 100,000 of them). */
const SEND_EVERY_MS = 5;

function send(m: FromHost): void {
  process.send?.(m);
}

let pending: [string, ChangeKind][] = [];
let sendTimer: NodeJS.Timeout | null = null;

function flush(): void {
  if (sendTimer) clearTimeout(sendTimer);
  sendTimer = null;
  if (!pending.length) return;
  send({ type: 'changes', changes: pending });
  pending = [];
}

let roots: RootWatch[] = [];
let closing = false;

async function start(m: Extract<ToHost, { type: 'start' }>): Promise<void> {
  roots = m.roots.map(
    (root) =>
      new RootWatch(root, m.ignore, m.settings, {
        change(path, kind) {
          pending.push([path, kind]);
          sendTimer ??= setTimeout(flush, SEND_EVERY_MS);
        },
        problem(code, params, rescan, state) {
          flush(); // the changes before a problem arrive before it
          send({ type: 'problem', root, code, params, rescan, state });
        },
        resubscribe(reason) {
          flush();
          send({ type: 'resubscribe', root, reason });
        },
      }),
  );
  await Promise.all(roots.map((r) => r.start()));
  send({ type: 'ready', states: Object.fromEntries(roots.map((r) => [r.root, r.current])) });
}

async function close(): Promise<void> {
  closing = true;
  await Promise.all(roots.map((r) => r.close()));
  if (sendTimer) clearTimeout(sendTimer);
  pending = [];
  send({ type: 'closed' });
  // Nothing else may keep this process alive now: it ends on its own once the channel closes.
  process.disconnect?.();
}

process.on('message', (m: ToHost) => {
  const run = m.type === 'start' ? start(m) : close();
  run.catch((e: unknown) => {
    process.stderr.write(`havre watch host: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
});
// The engine went away without a word: nothing to watch for any more.
process.on('disconnect', () => {
  if (!closing) void Promise.all(roots.map((r) => r.close())).finally(() => process.exit(0));
});
