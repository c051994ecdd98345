// Short, secret-free reasons for NO_KEYCHAIN. Keychain libraries report platform errors as free text;
// these are mapped to a fixed phrase where one is known, so users and logs get a stable message.

const KNOWN: ReadonlyArray<readonly [RegExp, string]> = [
  [/DBUS_SESSION_BUS_ADDRESS|autolaunch/i, 'no D-Bus session'],
  [/failed to connect to socket|connection refused|no such file or directory/i, 'the D-Bus session is not reachable'],
  [/org\.freedesktop\.secrets|ServiceUnknown|was not provided by any \.service files/i, 'no Secret Service on the D-Bus session'],
  [/no result found|no default collection|NoSuchObject/i, 'no default keyring is set up in the Secret Service'],
  [/locked|prompt|dismissed|cancel/i, 'the keychain is locked'],
  [/denied|not allowed|authoriz/i, 'access to the keychain was denied'],
  [/ambiguous/i, 'several keychain entries match'],
];

/** Maps a platform error message to a short reason; `fallback` when nothing known matches. */
export function keychainReason(message: string, fallback: string): string {
  for (const [re, reason] of KNOWN) if (re.test(message)) return reason;
  return fallback;
}
