export { CODEC, type CodecId, encodeBlob, decodeBlob } from './codec.js';
