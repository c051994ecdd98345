// The release keys whose signature on an update feed this build accepts (public keys, SPKI DER in
// base64, or PEM). Empty: this build installs no update at all (fail closed) — a development build.
// The release pipeline lists the production key here (docs/DEPLOYMENT.md, "Updates"); a new key is
// added beside the old one for one release before the old one goes.
export const RELEASE_PUBLIC_KEYS: readonly string[] = [];
