// Every error the appliance can show, on the wire or in the admin CLI: a stable code, English and
// French text. `{name}` placeholders come from the error's params, which never carry secrets.
import type { WireErrorCode } from '../../src-main/engine/appliance/protocol.js';

type Text = { readonly en: string; readonly fr: string };

/** The protocol's codes (docs/PROTOCOL.md §2), with their HTTP status. */
export const WIRE: Record<WireErrorCode, Text & { readonly status: number }> = {
  BAD_REQUEST: { status: 400, en: 'Bad request: {reason}.', fr: 'Requête invalide : {reason}.' },
  AUTH_REQUIRED: { status: 401, en: 'Authentication required: {reason}.', fr: 'Authentification requise : {reason}.' },
  CERT_UNTRUSTED: { status: 401, en: 'The client certificate was not issued by this appliance.', fr: 'Le certificat client n’a pas été émis par cette appliance.' },
  CERT_UNKNOWN: {
    status: 401,
    en: 'This certificate names no enrolled machine (it may have been replaced by a renewal).',
    fr: 'Ce certificat ne désigne aucun poste enrôlé (il a peut-être été remplacé par un renouvellement).',
  },
  MACHINE_REVOKED: { status: 403, en: 'This machine was revoked by the administrator.', fr: 'Ce poste a été révoqué par l’administrateur.' },
  SESSION_INVALID: { status: 401, en: 'Unknown or expired session: log in again.', fr: 'Session inconnue ou expirée : reconnectez-vous.' },
  WRONG_PASSWORD: {
    status: 401,
    en: 'Wrong password: {remaining} attempt(s) left before the account is locked.',
    fr: 'Mot de passe incorrect : encore {remaining} essai(s) avant le blocage du compte.',
  },
  LOCKED_OUT: {
    status: 423,
    en: 'Too many wrong passwords: the account is locked until {until}.',
    fr: 'Trop de mots de passe incorrects : le compte est bloqué jusqu’à {until}.',
  },
  FORBIDDEN: { status: 403, en: 'Not allowed: {reason}.', fr: 'Interdit : {reason}.' },
  NOT_FOUND: { status: 404, en: 'Not found: {what}.', fr: 'Introuvable : {what}.' },
  TOKEN_INVALID: {
    status: 403,
    en: 'This enrollment token cannot be used ({reason}).',
    fr: 'Ce jeton d’enrôlement n’est pas utilisable ({reason}).',
  },
  DIGEST_MISMATCH: {
    status: 422,
    en: 'The uploaded bytes do not hash to the object’s name; nothing was stored.',
    fr: 'Les octets envoyés ne correspondent pas au nom de l’objet ; rien n’a été enregistré.',
  },
  LENGTH_REQUIRED: { status: 411, en: 'An upload needs a Content-Length.', fr: 'Un envoi doit indiquer sa taille (Content-Length).' },
  TOO_LARGE: { status: 413, en: 'The body is larger than the limit of {limit} bytes.', fr: 'Le corps dépasse la limite de {limit} octets.' },
  RANGE_INVALID: { status: 416, en: 'The range is outside the object ({size} bytes).', fr: 'La plage sort de l’objet ({size} octets).' },
  QUOTA_EXCEEDED: {
    status: 507,
    en: 'This machine’s quota is used up ({used} of {quota} bytes); nothing stored so far was touched.',
    fr: 'Le quota de ce poste est épuisé ({used} sur {quota} octets) ; rien de ce qui est stocké n’a été touché.',
  },
  STORAGE_FULL: {
    status: 507,
    en: 'The appliance’s disk is full; nothing was stored.',
    fr: 'Le disque de l’appliance est plein ; rien n’a été enregistré.',
  },
  UNAVAILABLE: { status: 503, en: 'The appliance is shutting down or overloaded; retry later.', fr: 'L’appliance s’arrête ou est surchargée ; réessayez plus tard.' },
  INTERNAL: { status: 500, en: 'Internal error ({reason}); nothing was stored.', fr: 'Erreur interne ({reason}) ; rien n’a été enregistré.' },
};

/** Codes of the admin side only (CLI, set-up, data folder). */
export const LOCAL = {
  USAGE: { en: '{detail}. See `havre-appliance help`.', fr: '{detail}. Voir `havre-appliance help`.' },
  NO_DATA_DIR: {
    en: 'No data folder given: pass --data DIR or set HAVRE_APPLIANCE_DATA.',
    fr: 'Aucun dossier de données : passez --data DIR ou définissez HAVRE_APPLIANCE_DATA.',
  },
  NOT_INITIALISED: {
    en: 'No appliance in {path}: run `havre-appliance init --data {path}` first.',
    fr: 'Aucune appliance dans {path} : lancez d’abord `havre-appliance init --data {path}`.',
  },
  ALREADY_INITIALISED: {
    en: '{path} already holds an appliance; nothing was changed.',
    fr: '{path} contient déjà une appliance ; rien n’a été modifié.',
  },
  CONFIG_INVALID: {
    en: 'The appliance configuration {file} is invalid: {reason}.',
    fr: 'La configuration de l’appliance {file} est invalide : {reason}.',
  },
  DATA_DAMAGED: {
    en: 'The appliance data in {path} is damaged or was tampered with ({reason}).',
    fr: 'Les données de l’appliance dans {path} sont endommagées ou ont été modifiées ({reason}).',
  },
  PASSWORD_REQUIRED: {
    en: 'An admin password is needed: use --admin-password-stdin, type it on a terminal, or set HAVRE_APPLIANCE_ADMIN_PASSWORD.',
    fr: 'Un mot de passe administrateur est nécessaire : utilisez --admin-password-stdin, tapez-le dans un terminal, ou définissez HAVRE_APPLIANCE_ADMIN_PASSWORD.',
  },
  LISTEN_FAILED: {
    en: 'Cannot listen on {address} ({reason}).',
    fr: 'Impossible d’écouter sur {address} ({reason}).',
  },
} as const satisfies Record<string, Text>;

export type LocalErrorCode = keyof typeof LOCAL;
export type ApplianceErrorCode = WireErrorCode | LocalErrorCode;
export type Lang = 'en' | 'fr';

export function isWireCode(code: ApplianceErrorCode): code is WireErrorCode {
  return code in WIRE;
}

export function textOf(code: ApplianceErrorCode): Text {
  return isWireCode(code) ? WIRE[code] : LOCAL[code];
}
