// The real engine behind the app's real EngineSupervisor, in a child process the test can kill:
// what the renderer sees when the engine crashes is then what the app does about it (restart with
// backoff, pending requests ended with ENGINE_RESTARTED, lifecycle events), not a simulation.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { handleInvoke } from '../../src-main/app/ipcHandlers.js';
import { EngineSupervisor } from '../../src-main/app/engineSupervisor.js';
import { isChannel, fail, ipcError, type EngineLifecycle, type RendererEventName } from '../../src-main/ipc/contract.js';
import type { BridgeTarget } from './bridge.js';

const CHILD = path.join(import.meta.dirname, 'fixtures', 'engine-child.mjs');

export interface Supervised {
  target: BridgeTarget;
  supervisor: EngineSupervisor;
  /** The engine process running now. */
  child(): ChildProcess | null;
  lifecycles: EngineLifecycle[];
  stop(): Promise<void>;
}

export function superviseEngine(env: { home: string; userHome: string; password: string }): Supervised {
  const listeners = new Set<(name: RendererEventName, payload: unknown) => void>();
  const send = (name: RendererEventName, payload: unknown): void => listeners.forEach((l) => l(name, payload));
  const lifecycles: EngineLifecycle[] = [];
  let current: ChildProcess | null = null;
  const supervisor = new EngineSupervisor({
    backoff: { initialMs: 300 },
    spawn: () => {
      const child = fork(CHILD, [], {
        env: { ...process.env, HAVRE_HOME: env.home, TEST_USER_HOME: env.userHome, TEST_REPO_PASSWORD: env.password },
        serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      current = child;
      return {
        port: {
          postMessage: (m) => {
            if (child.connected) child.send(m as never);
          },
          onMessage: (l) => child.on('message', l),
          close: () => undefined,
        },
        onExit: (l) => child.once('exit', (code) => l(code ?? -1)),
        kill: () => child.kill(),
      };
    },
    onEvent: (event) => {
      if (event.type !== 'alert') send(event.type, event.payload); // the main process's, not the page's
    },
    onLifecycle: (l) => {
      lifecycles.push(l);
      send('engine:lifecycle', l);
    },
  });
  supervisor.start();
  const trusted = { sender: { id: 1 }, senderFrame: { url: 'bridge', parent: null } };
  const target: BridgeTarget = {
    request: (channel, payload) => {
      if (!isChannel(channel)) return Promise.resolve(fail(ipcError('UNKNOWN_CHANNEL')));
      return handleInvoke(channel, trusted, payload === undefined ? [] : [payload], { isTrustedSender: () => true, request: (c, p) => supervisor.request(c, p) });
    },
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  return { target, supervisor, child: () => current, lifecycles, stop: () => supervisor.stop() };
}
