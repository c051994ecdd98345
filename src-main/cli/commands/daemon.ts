import { HavreError } from '../../engine/errors/index.js';
import { hostname } from 'node:os';
import { readHomeConfig } from '../../engine/home/homeConfig.js';
import { safeUserName } from '../../engine/jobs/index.js';
import { keepEnrollingFromPolicy, loadPolicy } from '../../engine/policy/index.js';
import { createEngineService } from '../../engine/service/index.js';
import { parseCommand } from '../args.js';
import { CliContext } from '../context.js';
import { formatBytes, shortId } from '../output.js';

/**
 * `havre daemon`: continuous protection in the foreground (the engine the tray app hosts), for
 * servers, scripts and service managers (systemd, launchd). Runs until SIGTERM or SIGINT; logs
 * what it does on stderr, or JSON lines on stdout with --json. Unlocks like every command: the
 * keychain, or HAVRE_PASSWORD / --password-stdin (kept in memory for the daemon's life).
 */
export async function daemonCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, {});
  const ctx = new CliContext(values);
  const json = values.json ?? false;
  const log = (doc: Record<string, unknown>, text: string): void => {
    if (json) process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...doc }) + '\n');
    else process.stderr.write(`${new Date().toISOString()} ${text}\n`);
  };
  if (!(await readHomeConfig(ctx.home)).repo && !(await enrollFirst(ctx, log))) return 1;
  const credentials = await ctx.credentials();
  const engine = await createEngineService({ home: ctx.home, credentials: async () => credentials, managePriority: true, protectOrFail: true });
  let lastState = '';
  engine.subscribe((e) => {
    if (e.type === 'job:result') {
      const r = e.payload;
      if (r.ok) {
        log({ event: 'backup', jobId: r.jobId, snapshot: r.summary.snapshotId, files: r.summary.files, bytes: r.summary.bytes, durationMs: r.summary.durationMs },
          ctx.out.t(`backed up: snapshot ${shortId(r.summary.snapshotId ?? '')}, ${r.summary.files} files, ${formatBytes(r.summary.bytes)}`,
            `sauvegardé : ${shortId(r.summary.snapshotId ?? '')}, ${r.summary.files} fichiers, ${formatBytes(r.summary.bytes)}`));
      } else {
        log({ event: 'backup-failed', jobId: r.jobId, error: r.error }, `${ctx.out.t('backup failed', 'échec de la sauvegarde')}: ${ctx.out.t(r.error?.message ?? '', r.error?.messageFr ?? '')}`);
      }
    } else if (e.type === 'alert') {
      log({ event: 'alert', alert: e.payload }, `${ctx.out.t('ALERT', 'ALERTE')}: ${ctx.out.t(e.payload.message, e.payload.messageFr)}`);
    } else if (e.type === 'status:changed' && e.payload.protection) {
      const p = e.payload.protection;
      const state = `${p.mode}/${p.activity}/${p.pendingFiles}/${p.failedFiles}/${p.pause?.reason ?? ''}`;
      if (state === lastState) return;
      lastState = state;
      log({ event: 'status', protection: p }, `${p.activity}: ${p.pendingFiles} ${ctx.out.t('pending', 'en attente')}, ${p.failedFiles} ${ctx.out.t('failed', 'en échec')}` +
        (p.pause ? ` (${ctx.out.t('paused', 'en pause')}: ${p.pause.reason})` : '') + (p.warnings.length ? ` — ${p.warnings.map((w) => ctx.out.t(w.message, w.messageFr)).join(' · ')}` : ''));
    }
  });
  log({ event: 'started', home: ctx.home, pid: process.pid }, ctx.out.t(`continuous protection started (pid ${process.pid})`, `protection continue démarrée (pid ${process.pid})`));
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  log({ event: 'stopping' }, ctx.out.t('stopping: the backup in progress, if any, is stopped cleanly', 'arrêt : la sauvegarde en cours, s’il y en a une, est arrêtée proprement'));
  await engine.close();
  return 0;
}

/**
 * A machine policy with an enrollment token and no repository yet: the daemon enrolls first (silent
 * enrollment), retrying as planned until it works, the token is refused, or it is told to stop.
 */
async function enrollFirst(ctx: CliContext, log: (doc: Record<string, unknown>, text: string) => void): Promise<boolean> {
  const effective = await loadPolicy({ home: ctx.home });
  for (const p of effective.problems) log({ event: 'policy-problem', problem: p }, ctx.out.t(p.message, p.messageFr));
  if (!effective.policy.appliance?.enrollToken) throw new HavreError('NO_REPO_CONFIGURED');
  const { keychain, reason } = await ctx.keychain();
  const stop = new AbortController();
  const abort = (): void => stop.abort();
  process.once('SIGTERM', abort);
  process.once('SIGINT', abort);
  try {
    const o = await keepEnrollingFromPolicy({ home: ctx.home, policy: effective.policy, keychain, ...(reason !== undefined ? { keychainReason: reason } : {}),
      user: safeUserName(), host: hostname(), signal: stop.signal, ...(process.env.HAVRE_INSECURE_TEST_KDF === '1' ? { kdf: 'test' as const } : {}) }, (o) => {
      if (o.state === 'enrolled') log({ event: 'enrolled', machineId: o.machineId }, ctx.out.t(`enrolled from the machine policy: machine ${o.machineId}`, `enrôlé selon la politique machine : poste ${o.machineId}`));
      else if (o.state === 'retry' || o.state === 'stopped') log({ event: `enroll-${o.state}`, error: o.error }, ctx.out.t(o.error.message, o.error.messageFr));
    });
    return o.state === 'enrolled';
  } finally {
    process.off('SIGTERM', abort);
    process.off('SIGINT', abort);
  }
}
