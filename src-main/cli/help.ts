export const HELP = `havre — encrypted, deduplicated workstation backup

Usage: havre <command> [options]

Commands:
  init --repo DIR                      create a repository (shows the recovery key once)
  enroll --appliance URL --token TOKEN [--user NAME]
                                       join the company's backup appliance (token from IT)
  enroll --from-policy                 enroll now with the appliance and token of the machine policy
  password [set]                       your restore password on the appliance: is one set; choose or change it
  backup PATH... [--tag T]             back up files and folders
  snapshots [--all]                    list snapshots (continuous ones one per hour unless --all)
  ls SNAPSHOT [PATH] [-r]              list a folder of a snapshot (-r: recursively)
  restore SNAPSHOT [--target] DIR [--path P] [--conflict skip|overwrite|keep-both]
  verify [--read-data | --read-data-subset N%]
  forget --keep-last N --keep-hourly N --keep-daily N --keep-weekly N
         --keep-monthly N --keep-yearly N --keep-within 30d --keep-tag T [--prune] [--dry-run]
  log [--since DATE|7d] [--verify [--file EXPORT]] [--export jsonl|csv] [-o FILE]
                                       the audit log: list, check its chain and MACs, export it
                                       (IT: log --verify --file F --as admin --machine ID)
  prune [--dry-run]                    delete data no snapshot uses
  repair catalog                       rebuild the local catalog from the repository
  status                               what is configured, the last backup, what waits to be sent
  machines --as user|admin [--user NAME]
                                       the machines whose backups you can restore
  target add s3 --endpoint URL --bucket NAME [--prefix P] [--region R] [--name N]
         [--addressing path|virtual] [--ca-file PEM] [--lock-mode governance|compliance]
         [--lock-days N | --no-lock] [--copy together|after] [--parallel-uploads N]
         [--access-key-id ID] [--secret-key-stdin]
                                       a cloud copy of the repository (or, with none yet, the repository)
  target list                          the targets, and what waits to be sent to each
  target check [NAME]                  reachability, permissions and Object Lock of each target
  target sync [--full]                 bring every copy up to date now (also done after each backup)
  target remove NAME                   stop copying to NAME (its content stays)
  target credentials NAME              a new access key for NAME (rotated, revoked or expired)
  daemon                               continuous protection in the foreground, until SIGTERM
  pause [30m|2h|tomorrow|indefinitely] pause continuous protection (the backup in progress too)
  resume                               resume continuous protection
  settings [set KEY VALUE... | reset KEY]
                                       show or change the settings (folders, exclusions, window...)
  policy [check FILE | schema]         the machine policy IT set (and its problems); check a policy file
  help                                 this text

Every command takes:
  --repo DIR            repository (default: the one \`init\` configured in HAVRE_HOME)
  --json                one JSON document on stdout, nothing else there
  --password-stdin      read the password from standard input (else HAVRE_PASSWORD, else the keychain)
  --recovery-key-stdin  unlock with the recovery key read from standard input

Reading an appliance repository with a password, from any computer (snapshots, ls, restore, machines):
  --as user|admin       sign in as the user (your password) or the administrator
  --appliance URL       the appliance (default: the one this machine is enrolled with)
  --ca-fingerprint HEX  SHA-256 of the appliance CA, from IT (not needed on an enrolled machine)
  --user NAME           whose machines (default: your login name)
  --machine HOST|ID     which machine, when there are several
  e.g. havre restore --as user --appliance https://backup.corp:8443 --ca-fingerprint 3f…a9 latest ~/restored
Reading one target only: --target NAME (snapshots, ls, verify) or --from NAME (also restore).
Transfers: --limit-upload KiB/s, --limit-download KiB/s.

SNAPSHOT is an id, a unique prefix of one (≥ 4 characters), or "latest".
Exit codes: 0 success, 1 failure, 3 partial (some files could not be read or restored; each is listed).
Environment: HAVRE_HOME (configuration and catalog), HAVRE_PASSWORD, HAVRE_KEYCHAIN=none, HAVRE_LANG=fr|en,
  HAVRE_S3_ACCESS_KEY_ID and HAVRE_S3_SECRET_ACCESS_KEY (a cloud target's key, where there is no keychain).
`;
