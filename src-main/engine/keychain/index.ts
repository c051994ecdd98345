// The keychain module: where a machine's local authority key lives (DESIGN.md §3).
export type { Keychain } from './Keychain.js';
export { openOsKeychain, openOsKeychainOrReason, type OpenOsKeychainOptions } from './osKeychain.js';
export { memoryKeychain } from './memoryKeychain.js';
