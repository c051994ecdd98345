// A restore worker thread: authenticate, decrypt, decode and check one blob at a time, so that
// restore uses every core (the main thread only reads packs and writes files).
import { parentPort, workerData } from 'node:worker_threads';
import { decodeBlob } from '../../compress/index.js';
import { blobId, open } from '../../crypto/index.js';
import { isHavreError } from '../../errors/index.js';
import type { OpenReply, OpenRequest, OpenWorkerInit } from './blobOpenProtocol.js';

const init = workerData as OpenWorkerInit;
const encKey = Buffer.from(init.encKey);
const idKey = Buffer.from(init.idKey);
const port = parentPort!;

port.on('message', (m: OpenRequest) => {
  const id = Buffer.from(m.id);
  const what = `blob ${id.toString('hex').slice(0, 16)}`;
  try {
    const sealed = Buffer.from(m.sealed.buffer, m.sealed.byteOffset, m.sealed.byteLength);
    const plain = decodeBlob(m.codec, open(encKey, sealed, id, what), m.rawLength);
    if (!blobId(idKey, plain).equals(id)) throw new Error('id mismatch');
    // Transfer only a buffer that owns its memory (a decoded blob may share Node's pool).
    const own = plain.byteOffset === 0 && plain.byteLength === plain.buffer.byteLength ? plain : Buffer.from(plain);
    const reply: OpenReply = { seq: m.seq, plain: own };
    port.postMessage(reply, [own.buffer as ArrayBuffer]);
  } catch (e) {
    const reply: OpenReply = { seq: m.seq, error: isHavreError(e) ? (e.params.what as string | undefined) ?? what : what };
    port.postMessage(reply);
  }
});
