export { FileScanner, antivirusFile, antivirusFromPolicy, readAntivirusConfig, DEFAULT_CLAMD_SOCKET, type AntivirusConfig } from './FileScanner.js';
export { parseReply, ping, scanStream, ScannerFailure, type Verdict } from './clamd.js';
