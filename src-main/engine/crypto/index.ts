// The crypto module: envelopes, sub-keys, password KDF, RSA wrapping and the standalone key authority.
export { SEAL_OVERHEAD, seal, open } from './aead.js';
export { hkdfSha256 } from './hkdf.js';
export { deriveRepoKeys, blobId, wipe, wipeRepoKeys, type RepoKeys } from './repoKeys.js';
export { newPasswordWrap, derivePasswordKeys, checkPasswordWrap, type PasswordWrap } from './password.js';
export { RSA_BITS, generateRsaKeyPair, rsaWrap, rsaUnwrap, rsaPublicKeyBits } from './rsa.js';
export { newRecoveryKey, normaliseRecoveryKey, isWellFormedRecoveryKey } from './recoveryKey.js';
export { decodeBase64Strict } from './base64.js';
export {
  createStandaloneAuthority,
  parseKeysRecord,
  privateKeyAad,
  unlockWithLak,
  unlockWithPassword,
  unlockWithRecoveryKey,
  rewrapUserPassword,
  changeUserPassword,
  replacePosteKey,
  type KdfStrength,
  type KeysRecord,
  type KeyRole,
  type LocalAuthorityWrap,
  type RoleKeys,
  type SealedPrivateKey,
} from './authority.js';
export {
  createAdminKeys,
  createEscrow,
  createUserKeys,
  sealPosteKey,
  unlockAsMachine,
  unlockAsUser,
  openAdminPrivateKey,
  unlockAsAdmin,
  resealUserKey,
  type EscrowRecord,
  type UserKeyRecord,
  type SealedKey,
} from './escrow.js';
