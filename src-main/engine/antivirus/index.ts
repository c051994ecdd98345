export { FileScanner, antivirusFile, readAntivirusConfig, type AntivirusConfig } from './FileScanner.js';
export { parseReply, ping, scanStream, ScannerFailure, type Verdict } from './clamd.js';
