// Messages between restore and its blob-opening workers. Keys travel only in workerData.
export interface OpenWorkerInit {
  readonly encKey: Buffer;
  readonly idKey: Buffer;
}

export interface OpenRequest {
  readonly seq: number;
  readonly id: Uint8Array;
  readonly codec: number;
  readonly rawLength: number;
  readonly sealed: Uint8Array;
}

/** Either the plaintext, or what failed its integrity check (never any key material). */
export type OpenReply = { readonly seq: number; readonly plain: Uint8Array } | { readonly seq: number; readonly error: string };
