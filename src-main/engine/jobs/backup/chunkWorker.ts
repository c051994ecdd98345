// A backup worker thread: read → chunk → id → (ask main: new?) → compress → seal → send.
// The main thread owns dedup and packs; this thread owns all the CPU-heavy work.
import { open as openFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { Chunker, chunkBuffer, chunkFile } from '../../chunk/index.js';
import { encodeBlob } from '../../compress/index.js';
import { blobId, seal } from '../../crypto/index.js';
import { errnoCode } from '../../errors/index.js';
import { MessageBatch } from '../shared/MessageBatch.js';
import { readWhole } from './readWhole.js';
import { READ_WHOLE_MAX, type FromWorker, type ToWorker, type WorkerInit } from './workerProtocol.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const encKey = Buffer.from(init.encKey);
const idKey = Buffer.from(init.idKey);
const chunker = new Chunker(Buffer.from(init.chunkerKey), init.chunker);

let nextSeq = 0;
const waiting = new Map<number, (isNew: boolean) => void>();
/** At most this many chunks of one file wait for the main thread's answer: bounds memory. */
const MAX_PENDING = 4;
/** Sequential reads of 4 MiB: large enough for the disk, small enough for several files in flight. */
const READ_SIZE = 4 * 1024 * 1024;
/**
 * Chunks up to this size are sealed and sent without asking whether they are new: for a small file
 * the round trip to the main thread (two messages) costs more than compressing and sealing a rare
 * duplicate, which the main thread then drops. Larger chunks are asked about first.
 */
const SEND_WITHOUT_CLAIM = 64 * 1024;

const outbox = new MessageBatch<FromWorker>((msgs, transfer) => port.postMessage(msgs, transfer));

function send(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  outbox.push(msg, transfer);
}

/** A buffer we may transfer without detaching memory shared with other Buffers (Node's pool). */
function ownBuffer(b: Buffer): { view: Uint8Array; transfer: ArrayBuffer[] } {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer) {
    return { view: b, transfer: [b.buffer] };
  }
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return { view: copy, transfer: [copy.buffer] };
}

function claim(id: Buffer): Promise<boolean> {
  const seq = nextSeq++;
  return new Promise((resolve) => {
    waiting.set(seq, resolve);
    send({ t: 'claim', seq, id: new Uint8Array(id) });
  });
}

/** The file's chunks: from memory for a small file, else streamed from a handle closed when the caller's loop ends, however it ends. */
async function* chunksOf(path: string, size: number): AsyncGenerator<Buffer> {
  const whole = size <= READ_WHOLE_MAX ? readWhole(path, size) : null;
  if (whole) {
    yield* chunkBuffer(whole, chunker);
    return;
  }
  const fh = await openFile(path, 'r');
  try {
    yield* chunkFile(fh, chunker, { readSize: READ_SIZE });
  } finally {
    await fh.close();
  }
}

async function backupFile(taskId: number, path: string, size: number): Promise<void> {
  const ids: string[] = [];
  let bytes = 0;
  const pending: Promise<void>[] = [];
  try {
    for await (const chunk of chunksOf(path, size)) {
      bytes += chunk.length;
      const id = blobId(idKey, chunk);
      ids.push(id.toString('hex'));
      const sendBlob = (claimed: boolean): void => {
        const { codec, payload } = encodeBlob(chunk);
        const { view, transfer } = ownBuffer(seal(encKey, payload, id));
        send({ t: 'blob', id: new Uint8Array(id), codec, rawLength: chunk.length, sealed: view, claimed }, transfer);
      };
      if (chunk.length <= SEND_WITHOUT_CLAIM) {
        sendBlob(false);
        continue;
      }
      pending.push(claim(id).then((isNew) => (isNew ? sendBlob(true) : undefined)));
      if (pending.length >= MAX_PENDING) await pending.shift();
    }
    await Promise.all(pending);
    send({ t: 'done', taskId, ids, bytes });
  } catch (e) {
    await Promise.allSettled(pending);
    send({ t: 'fail', taskId, errno: errnoCode(e) ?? 'EIO', message: e instanceof Error ? e.message : String(e) });
  }
}

port.on('message', (msgs: ToWorker[]) => {
  for (const msg of msgs) receive(msg);
});

function receive(msg: ToWorker): void {
  switch (msg.t) {
    case 'file':
      void backupFile(msg.taskId, msg.path, msg.size);
      break;
    case 'claimed': {
      const resolve = waiting.get(msg.seq);
      waiting.delete(msg.seq);
      resolve?.(msg.isNew);
      break;
    }
    case 'stop':
      port.close();
      break;
  }
}
