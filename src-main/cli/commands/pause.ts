import type { PauseRequest } from '../../ipc/contract.js';
import { HavreError } from '../../engine/errors/index.js';
import { userPauseFor, writeUserPause } from '../../engine/protection/index.js';
import { parseCommand } from '../args.js';
import { CliContext } from '../context.js';

/** "30m", "2h", "90" (minutes), "tomorrow", "indefinitely". */
export function parsePause(text: string | undefined): PauseRequest {
  if (text === undefined || text === 'indefinitely' || text === 'resumed') return { until: 'resumed' };
  if (text === 'tomorrow') return { until: 'tomorrow' };
  const m = /^(\d+)\s*(m|min|h)?$/.exec(text);
  const minutes = m ? Number(m[1]) * (m[2] === 'h' ? 60 : 1) : NaN;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 7 * 24 * 60) {
    throw new HavreError('USAGE', { detail: `havre pause takes 30m, 2h, tomorrow or indefinitely (at most a week), not “${text}”` });
  }
  return { minutes };
}

/** `havre pause [DURATION]`: stops continuous protection (the backup in progress too) until the time comes or `havre resume`. */
export async function pauseCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {});
  const ctx = new CliContext(values);
  const pause = userPauseFor(parsePause(positionals[0]), new Date());
  await writeUserPause(ctx.home, pause);
  const until = pause.untilMs === null ? null : new Date(pause.untilMs).toISOString();
  ctx.out.result({ paused: true, until }, () => [until === null
    ? ctx.out.t('Protection paused until you run havre resume.', 'Protection en pause jusqu’à ce que vous lanciez havre resume.')
    : ctx.out.t(`Protection paused until ${new Date(until).toLocaleString()}.`, `Protection en pause jusqu’au ${new Date(until).toLocaleString('fr-FR')}.`)]);
  return 0;
}

export async function resumeCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, {});
  const ctx = new CliContext(values);
  await writeUserPause(ctx.home, null);
  ctx.out.result({ paused: false }, () => [ctx.out.t('Protection resumed.', 'Protection reprise.')]);
  return 0;
}
