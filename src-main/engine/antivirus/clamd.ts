// A client of ClamAV's daemon (clamd): INSTREAM over its socket (a Unix socket path, or
// `tcp://host:port`). The reply is parsed strictly: `stream: OK`, `stream: <signature> FOUND`;
// anything else (an ERROR line, garbage, a connection closed before the reply, silence past the
// timeout) is a ScannerFailure, never a verdict. Chunks are at most 1 MiB, as clamd expects.
import { createConnection, type Socket } from 'node:net';

/** `tooLarge`: clamd would not scan that much (its StreamMaxLength, 25 MB by default): no verdict. */
export type Verdict = { readonly infected: false; readonly tooLarge?: true } | { readonly infected: true; readonly signature: string };

/** clamd could not give a verdict (down, crashed, refused, answered something else). */
export class ScannerFailure extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ScannerFailure';
  }
}

export interface ClamdAddress {
  /** A Unix socket path, or `tcp://host:port`. */
  readonly socket: string;
  /** No byte from clamd for this long: a failure (it hung). */
  readonly timeoutMs?: number;
}

const CHUNK = 1024 * 1024;
const MAX_REPLY = 4096;
const INSTREAM = Buffer.from('zINSTREAM\0', 'latin1');
/** clamd's answer to a stream over its StreamMaxLength. */
const SIZE_LIMIT_REPLY = 'INSTREAM size limit exceeded. ERROR';
const SIGNATURE = /^[\x21-\x7e][\x20-\x7e]{0,199}$/;

function connect(addr: ClamdAddress): Socket {
  const tcp = /^tcp:\/\/([^:/]+):(\d{1,5})$/.exec(addr.socket);
  return tcp ? createConnection({ host: tcp[1]!, port: Number(tcp[2]) }) : createConnection({ path: addr.socket });
}

/** Parses clamd's reply to one INSTREAM (without its NUL). Exported for the fuzz-style tests. */
export function parseReply(reply: string): Verdict {
  if (reply === 'stream: OK') return { infected: false };
  const found = /^stream: (.+) FOUND$/.exec(reply);
  if (found && SIGNATURE.test(found[1]!)) return { infected: true, signature: found[1]! };
  if (reply === SIZE_LIMIT_REPLY) return { infected: false, tooLarge: true };
  if (/ ERROR$/.test(reply)) throw new ScannerFailure(`clamd refused the scan: ${reply.slice(0, 200).replace(/[^\x20-\x7e]/g, '?')}`);
  throw new ScannerFailure(`clamd answered something unexpected: ${JSON.stringify(reply.slice(0, 80))}`);
}

/** Sends `chunks` (a file's bytes, in order) to clamd and returns its verdict. */
export function scanStream(addr: ClamdAddress, chunks: AsyncIterable<Buffer>): Promise<Verdict> {
  return new Promise<Verdict>((resolve, reject) => {
    const sock = connect(addr);
    let reply = Buffer.alloc(0);
    let settled = false;
    let probing = false;
    // Bytes announced in chunk headers so far: what clamd's StreamMaxLength is compared against.
    let announced = 0;
    const done = (e: Error | null, v?: Verdict): void => {
      if (settled) return;
      settled = true;
      sock.destroy();
      // A ScannerFailure is clamd's; anything else (the file could not be read) goes through as it is.
      if (e) reject(e);
      else resolve(v!);
    };
    // Over StreamMaxLength, clamd answers at the chunk header and closes at once, while we are
    // still writing that chunk's bytes: our write then fails (EPIPE, ECONNRESET) and Node drops the
    // socket, answer unread, about one time in seven. A connection lost in the middle of a stream is
    // therefore asked about once more, on a new connection, before it is called a failure.
    const lost = (failure: ScannerFailure): void => {
      if (settled || probing) return;
      if (announced === 0) return done(failure);
      probing = true;
      sock.destroy();
      void overLimit(addr, announced).then((over) => {
        probing = false;
        if (over) done(null, { infected: false, tooLarge: true });
        else done(failure);
      });
    };
    sock.setTimeout(addr.timeoutMs ?? 60_000, () => done(new ScannerFailure('clamd did not answer in time')));
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE' || e.code === 'ECONNRESET') lost(new ScannerFailure(`clamd closed the connection during the scan (it may have crashed; ${e.code})`));
      else done(new ScannerFailure(e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? `clamd is not running (${e.code})` : `connection to clamd failed (${e.code ?? e.message})`));
    });
    sock.on('data', (d: Buffer) => {
      reply = Buffer.concat([reply, d]);
      const end = reply.indexOf(0);
      if (end >= 0) {
        try {
          done(null, parseReply(reply.subarray(0, end).toString('latin1')));
        } catch (e) {
          done(e as Error);
        }
      } else if (reply.length > MAX_REPLY) done(new ScannerFailure('clamd answered something unexpected (an overlong reply)'));
    });
    sock.on('close', () => {
      if (reply.length > 0) done(new ScannerFailure('clamd closed the connection in the middle of its answer'));
      else lost(new ScannerFailure('clamd closed the connection before answering (it may have crashed)'));
    });
    const write = (b: Buffer): Promise<void> => new Promise((ok) => {
      // A closed connection settles the scan through 'error' or 'close'; this write just stops waiting.
      if (sock.write(b) || settled) ok();
      else {
        const onDrain = (): void => { sock.off('close', onClose); ok(); };
        const onClose = (): void => { sock.off('drain', onDrain); ok(); };
        sock.once('drain', onDrain);
        sock.once('close', onClose);
      }
    });
    sock.once('connect', () => {
      void (async () => {
        await write(INSTREAM);
        for await (const c of chunks) {
          for (let i = 0; i < c.length && !settled && !probing; i += CHUNK) {
            const part = c.subarray(i, i + CHUNK);
            const len = Buffer.alloc(4);
            len.writeUInt32BE(part.length);
            announced += part.length;
            await write(Buffer.concat([len, part]));
          }
          if (settled || probing) return;
        }
        await write(Buffer.alloc(4));
      })().catch((e: unknown) => done(e instanceof Error ? e : new Error(String(e))));
    });
  });
}

/**
 * Whether clamd refuses a stream of `bytes` as over its StreamMaxLength: it checks the limit at a
 * chunk's header, so one header of that length, without its bytes, gets the answer at once. Any other
 * outcome (no clamd, no answer within a few seconds, another answer) is false.
 */
async function overLimit(addr: ClamdAddress, bytes: number): Promise<boolean> {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(Math.min(bytes, 0xffffffff));
  return (await ask(addr, Buffer.concat([INSTREAM, header]), Math.min(addr.timeoutMs ?? 5_000, 5_000))) === SIZE_LIMIT_REPLY;
}

/** `zPING` → `PONG`: whether clamd answers at all. */
export async function ping(addr: ClamdAddress): Promise<boolean> {
  return (await ask(addr, Buffer.from('zPING\0', 'latin1'), addr.timeoutMs ?? 5_000))?.startsWith('PONG') ?? false;
}

/** Sends `message` on a new connection; clamd's answer up to its NUL, or null (no clamd, silence, a close, an overlong answer). */
function ask(addr: ClamdAddress, message: Buffer, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const sock = connect(addr);
    let got = Buffer.alloc(0);
    const end = (reply: string | null): void => {
      sock.destroy();
      resolve(reply);
    };
    sock.setTimeout(timeoutMs, () => end(null));
    sock.on('error', () => end(null));
    sock.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      const nul = got.indexOf(0);
      if (nul >= 0) end(got.subarray(0, nul).toString('latin1'));
      else if (got.length > MAX_REPLY) end(null);
    });
    sock.on('close', () => end(null));
    sock.once('connect', () => sock.write(message));
  });
}
