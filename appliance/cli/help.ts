export const HELP = `havre-appliance — the Havre backup appliance (reference server)

Set up and run:
  havre-appliance init  --data DIR [--name NAME]... [--port N] [--host ADDR] [--admin-password-stdin]
  havre-appliance serve --data DIR [--port N] [--host ADDR]

Administer (works while the server runs):
  tokens create [--ttl HOURS] [--note TEXT] [--uses N]
                                                 an enrollment token (single use, or N machines)
  tokens list | tokens revoke ID
  machines list | machines show ID | machines revoke ID
  machines quota ID BYTES|none                   e.g. 50G, 500M, none
  machines silence ID HOURS                      allowed silence before an alert
  users unlock MACHINE_ID | admin unlock         lift a password lockout
  logs [--machine ID] [--limit N]                the appliance's log and the machines' events
  alerts [--all] | alerts close ID
  deletions list [--all] [--machine ID] | deletions cancel ID | deletions apply
  ca                                             the CA fingerprint and certificate

Every command takes --data DIR (or HAVRE_APPLIANCE_DATA) and --json.
Machine ids may be shortened to a unique prefix (4 characters or more).
The admin password for init: --admin-password-stdin, a terminal prompt, or HAVRE_APPLIANCE_ADMIN_PASSWORD.
`;
