export { type ChunkerParams, DEFAULT_CHUNKER_PARAMS, validateChunkerParams } from './params.js';
export { gearTable } from './gear.js';
export { Chunker, highMask } from './Chunker.js';
export { chunkFile, chunkBuffer, DEFAULT_READ_SIZE, type ChunkFileOptions } from './chunkFile.js';
