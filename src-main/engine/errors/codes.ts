// Every error a user can see has a code and a message in English and French.
// `{name}` placeholders are filled from the error's params; params never carry secrets.

export const messages = {
  WRONG_PASSWORD: {
    en: 'Wrong password or recovery key: the key could not be unlocked.',
    fr: 'Mot de passe ou clé de secours incorrect : la clé n’a pas pu être déverrouillée.',
  },
  WRONG_PASSWORD_ATTEMPTS: {
    en: 'Wrong password: {remaining} attempt(s) left before the account is locked.',
    fr: 'Mot de passe incorrect : encore {remaining} essai(s) avant le blocage du compte.',
  },
  PASSWORD_REQUIRED: {
    en: 'A password is needed: pass it with --password-stdin or the HAVRE_PASSWORD variable.',
    fr: 'Un mot de passe est nécessaire : passez-le avec --password-stdin ou la variable HAVRE_PASSWORD.',
  },
  NO_KEYCHAIN: {
    en: 'No OS keychain is available here ({reason}); Havre will ask for the password every time.',
    fr: 'Aucun trousseau du système n’est disponible ici ({reason}) ; Havre demandera le mot de passe à chaque fois.',
  },
  KEYCHAIN_ENTRY_MISSING: {
    en: 'This machine’s key is not in the keychain; unlock with the password (--password-stdin or HAVRE_PASSWORD).',
    fr: 'La clé de ce poste n’est pas dans le trousseau ; déverrouillez avec le mot de passe (--password-stdin ou HAVRE_PASSWORD).',
  },
  REPO_NOT_FOUND: {
    en: 'No repository at {path}: the folder does not exist. Check the path, or create one with `havre init --repo {path}`.',
    fr: 'Aucun dépôt à {path} : le dossier n’existe pas. Vérifiez le chemin, ou créez-en un avec `havre init --repo {path}`.',
  },
  NOT_A_REPO: {
    en: '{path} is not a Havre repository (no config object). Check the path.',
    fr: '{path} n’est pas un dépôt Havre (aucun objet de configuration). Vérifiez le chemin.',
  },
  REPO_EXISTS: {
    en: '{path} already holds a Havre repository; nothing was changed.',
    fr: '{path} contient déjà un dépôt Havre ; rien n’a été modifié.',
  },
  REPO_NOT_EMPTY: {
    en: '{path} is not empty; choose an empty or new folder for a repository.',
    fr: '{path} n’est pas vide ; choisissez un dossier vide ou nouveau pour le dépôt.',
  },
  NO_REPO_CONFIGURED: {
    en: 'No repository is configured; run `havre init --repo DIR` or pass --repo DIR.',
    fr: 'Aucun dépôt n’est configuré ; lancez `havre init --repo DIR` ou passez --repo DIR.',
  },
  REPO_CONFIG_INVALID: {
    en: 'The repository configuration is damaged or was tampered with ({reason}).',
    fr: 'La configuration du dépôt est endommagée ou a été modifiée ({reason}).',
  },
  UNSUPPORTED_VERSION: {
    en: 'This repository uses format {version}, which this version of Havre cannot read. Update Havre.',
    fr: 'Ce dépôt utilise le format {version}, que cette version de Havre ne sait pas lire. Mettez Havre à jour.',
  },
  INTEGRITY: {
    en: 'Integrity check failed for {what}: the data is damaged or was tampered with.',
    fr: 'Échec du contrôle d’intégrité de {what} : les données sont endommagées ou ont été modifiées.',
  },
  OBJECT_MISSING: {
    en: 'Object {kind}/{name} is missing from the repository.',
    fr: 'L’objet {kind}/{name} est absent du dépôt.',
  },
  BLOB_MISSING: {
    en: 'Blob {id} is not in the repository index.',
    fr: 'Le bloc {id} n’est pas dans l’index du dépôt.',
  },
  STORE_FULL: {
    en: 'The storage at {path} is full: free some space or choose another target. Nothing stored so far is lost.',
    fr: 'Le stockage {path} est plein : libérez de la place ou choisissez une autre cible. Rien de ce qui est déjà sauvegardé n’est perdu.',
  },
  STORE_UNAVAILABLE: {
    en: 'The storage at {path} is not reachable ({reason}). Is the drive plugged in or the share mounted?',
    fr: 'Le stockage {path} est inaccessible ({reason}). Le disque est-il branché ou le partage monté ?',
  },
  STORE_PERMISSION: {
    en: 'Havre may not write to {path} (permission denied).',
    fr: 'Havre n’a pas le droit d’écrire dans {path} (permission refusée).',
  },
  STORE_IO: {
    en: 'Storage error on {path}: {reason}.',
    fr: 'Erreur de stockage sur {path} : {reason}.',
  },
  SNAPSHOT_NOT_FOUND: {
    en: 'No snapshot matches “{ref}”. List them with `havre snapshots`.',
    fr: 'Aucune sauvegarde ne correspond à « {ref} ». Listez-les avec `havre snapshots`.',
  },
  SNAPSHOT_AMBIGUOUS: {
    en: '“{ref}” matches several snapshots; give more characters of its id.',
    fr: '« {ref} » correspond à plusieurs sauvegardes ; donnez plus de caractères de son identifiant.',
  },
  PATH_NOT_IN_SNAPSHOT: {
    en: '“{path}” is not in snapshot {snapshot}.',
    fr: '« {path} » ne figure pas dans la sauvegarde {snapshot}.',
  },
  SOURCE_NOT_FOUND: {
    en: 'Cannot back up {path}: it does not exist.',
    fr: 'Impossible de sauvegarder {path} : ce chemin n’existe pas.',
  },
  UNSAFE_PATH: {
    en: 'Refused to restore “{path}”: {reason}.',
    fr: 'Restauration de « {path} » refusée : {reason}.',
  },
  TARGET_NOT_WRITABLE: {
    en: 'Cannot write to the restore target {path} ({reason}).',
    fr: 'Impossible d’écrire dans la cible de restauration {path} ({reason}).',
  },
  TARGET_FULL: {
    en: 'The disk of the restore target {path} is full: free some space or restore elsewhere. The files listed were not restored; the others are complete.',
    fr: 'Le disque de la cible de restauration {path} est plein : libérez de la place ou restaurez ailleurs. Les fichiers listés n’ont pas été restaurés ; les autres sont complets.',
  },
  LOCAL_DISK_FULL: {
    en: 'The disk holding {path} on this computer is full: free some space, then run the command again. No backup is lost.',
    fr: 'Le disque qui contient {path} sur cet ordinateur est plein : libérez de la place, puis relancez la commande. Aucune sauvegarde n’est perdue.',
  },
  LOCAL_PERMISSION: {
    en: 'Havre may not write to {path} on this computer (permission denied): check who owns it, or set HAVRE_HOME to a folder of yours.',
    fr: 'Havre n’a pas le droit d’écrire dans {path} sur cet ordinateur (permission refusée) : vérifiez à qui il appartient, ou indiquez un dossier à vous avec HAVRE_HOME.',
  },
  LOCKED: {
    en: 'Another Havre process is using this repository ({holder}). Wait for it to finish.',
    fr: 'Un autre processus Havre utilise ce dépôt ({holder}). Attendez qu’il termine.',
  },
  LOCKED_BY_PROCESS: {
    en: 'Another Havre process is using this repository ({holder}). Wait for it to finish; if no Havre process is running, delete {file}.',
    fr: 'Un autre processus Havre utilise ce dépôt ({holder}). Attendez qu’il termine ; si aucun processus Havre ne tourne, supprimez {file}.',
  },
  CATALOG_DAMAGED: {
    en: 'This machine’s catalog {file} cannot be used ({reason}). It is only a cache: run `havre repair catalog` to rebuild it from the repository. No backup is lost.',
    fr: 'Le catalogue de ce poste {file} est inutilisable ({reason}). Ce n’est qu’un cache : lancez `havre repair catalog` pour le reconstruire depuis le dépôt. Aucune sauvegarde n’est perdue.',
  },
  APPLIANCE_UNREACHABLE: {
    en: 'The appliance at {url} cannot be reached ({reason}). What cannot be sent is kept, encrypted, on this computer and sent when the appliance is back.',
    fr: 'L’appliance {url} est injoignable ({reason}). Ce qui ne peut pas être envoyé est gardé, chiffré, sur cet ordinateur et sera envoyé à son retour.',
  },
  APPLIANCE_CERT_MISMATCH: {
    en: 'The server at {url} did not prove it is the appliance this machine trusts ({reason}); the connection was refused. It may be an interception: contact IT.',
    fr: 'Le serveur {url} n’a pas prouvé qu’il est l’appliance de confiance de ce poste ({reason}) ; la connexion a été refusée. Il peut s’agir d’une interception : contactez le service informatique.',
  },
  APPLIANCE_CERT_REFUSED: {
    en: 'The appliance refused this machine’s certificate ({reason}). If the machine was revoked or re-installed, ask IT for a new enrollment token.',
    fr: 'L’appliance a refusé le certificat de ce poste ({reason}). Si le poste a été révoqué ou réinstallé, demandez un nouveau jeton d’enrôlement au service informatique.',
  },
  APPLIANCE_FORBIDDEN: {
    en: 'The appliance refused this request: {reason}.',
    fr: 'L’appliance a refusé cette requête : {reason}.',
  },
  APPLIANCE_ERROR: {
    en: 'The appliance answered with an error ({status} {code}): {reason}.',
    fr: 'L’appliance a répondu par une erreur ({status} {code}) : {reason}.',
  },
  APPLIANCE_QUOTA: {
    en: 'This machine’s space on the appliance is used up ({used} of {quota} bytes). Nothing stored so far is lost; ask IT for a larger quota.',
    fr: 'L’espace de ce poste sur l’appliance est épuisé ({used} sur {quota} octets). Rien de ce qui est déjà sauvegardé n’est perdu ; demandez un quota plus grand au service informatique.',
  },
  TOKEN_MALFORMED: {
    en: 'This is not a Havre enrollment token; check that it was copied whole (it starts with HVT1.).',
    fr: 'Ce n’est pas un jeton d’enrôlement Havre ; vérifiez qu’il a été copié en entier (il commence par HVT1.).',
  },
  TOKEN_INVALID: {
    en: 'This enrollment token cannot be used ({reason}); ask IT for a new one. Nothing was changed on this machine.',
    fr: 'Ce jeton d’enrôlement n’est pas utilisable ({reason}) ; demandez-en un nouveau au service informatique. Rien n’a été modifié sur ce poste.',
  },
  LOCKED_OUT: {
    en: 'Too many wrong passwords: this account is locked until {until}. Try again then, or ask IT to unlock it.',
    fr: 'Trop de mots de passe incorrects : ce compte est bloqué jusqu’à {until}. Réessayez ensuite, ou demandez au service informatique de le débloquer.',
  },
  NOT_ENROLLED: {
    en: 'This machine is not enrolled with an appliance; run `havre enroll --appliance URL --token TOKEN`.',
    fr: 'Ce poste n’est pas enrôlé auprès d’une appliance ; lancez `havre enroll --appliance URL --token JETON`.',
  },
  RESTORE_PASSWORD_CHOSEN: {
    en: 'A restore password was already chosen for this computer: give the current one to change it (`havre password set` asks for it). Forgotten? IT can restore your files with the administrator password.',
    fr: 'Un mot de passe de restauration a déjà été choisi pour cet ordinateur : donnez l’actuel pour le changer (`havre password set` le demande). Oublié ? Le service informatique peut restaurer vos fichiers avec le mot de passe administrateur.',
  },
  RESTORE_PASSWORD_UNSET: {
    en: 'No restore password was chosen for this computer (it was set up by IT): choose one in Havre’s settings or with `havre password set`, so you can restore your files from another computer.',
    fr: 'Aucun mot de passe de restauration n’a été choisi pour cet ordinateur (installé par le service informatique) : choisissez-en un dans les réglages de Havre ou avec `havre password set`, pour pouvoir restaurer vos fichiers depuis un autre ordinateur.',
  },
  ENROLL_NEEDS_KEYCHAIN: {
    en: 'Enrollment needs the OS keychain, which is not available here ({reason}): this machine’s key is kept there. Nothing was changed and the token was not used.',
    fr: 'L’enrôlement a besoin du trousseau du système, indisponible ici ({reason}) : la clé de ce poste y est conservée. Rien n’a été modifié et le jeton n’a pas été utilisé.',
  },
  ALREADY_ENROLLED: {
    en: 'This machine is already enrolled with {url}; nothing was changed.',
    fr: 'Ce poste est déjà enrôlé auprès de {url} ; rien n’a été modifié.',
  },
  MACHINE_UNKNOWN: {
    en: 'The appliance knows no machine “{machine}” for this user. List them with `havre machines --as user`.',
    fr: 'L’appliance ne connaît aucun poste « {machine} » pour cet utilisateur. Listez-les avec `havre machines --as user`.',
  },
  MACHINE_AMBIGUOUS: {
    en: 'Several machines match; choose one with --machine: {choices}.',
    fr: 'Plusieurs postes correspondent ; choisissez-en un avec --machine : {choices}.',
  },
  S3_UNREACHABLE: {
    en: 'The cloud storage at {endpoint} cannot be reached ({reason}). Nothing is lost: what was not sent is sent at the next run.',
    fr: 'Le stockage cloud {endpoint} est injoignable ({reason}). Rien n’est perdu : ce qui n’a pas été envoyé le sera au prochain lancement.',
  },
  S3_CREDENTIALS_REJECTED: {
    en: 'The cloud storage refused this computer’s access key for bucket {bucket} ({reason}). The key is wrong, revoked or expired: ask IT for a new one, then run havre target credentials {target}.',
    fr: 'Le stockage cloud a refusé la clé d’accès de cet ordinateur pour le bucket {bucket} ({reason}). La clé est fausse, révoquée ou expirée : demandez-en une nouvelle au service informatique, puis lancez havre target credentials {target}.',
  },
  S3_FORBIDDEN: {
    en: 'The access key may not {action} in bucket {bucket} (AccessDenied). Ask IT to grant it, or check the bucket and prefix.',
    fr: 'La clé d’accès n’a pas le droit de {action} dans le bucket {bucket} (AccessDenied). Demandez ce droit au service informatique, ou vérifiez le bucket et le préfixe.',
  },
  S3_BUCKET_MISSING: {
    en: 'The bucket {bucket} does not exist at {endpoint}. Check its name and region, or ask IT to create it (with Object Lock).',
    fr: 'Le bucket {bucket} n’existe pas sur {endpoint}. Vérifiez son nom et sa région, ou demandez au service informatique de le créer (avec Object Lock).',
  },
  S3_NO_OBJECT_LOCK: {
    en: 'The bucket {bucket} has no Object Lock: backups there could be deleted or encrypted by anyone holding the key. Ask IT for a bucket created with Object Lock, or add the target with --no-lock (not recommended).',
    fr: 'Le bucket {bucket} n’a pas d’Object Lock : quiconque détient la clé pourrait y effacer ou chiffrer les sauvegardes. Demandez au service informatique un bucket créé avec Object Lock, ou ajoutez la cible avec --no-lock (déconseillé).',
  },
  S3_CLOCK_SKEW: {
    en: 'This computer’s clock is off by about {minutes} minute(s) from the cloud storage’s, so it refuses the requests (RequestTimeTooSkewed). Set the clock right (automatic time), then try again.',
    fr: 'L’horloge de cet ordinateur a environ {minutes} minute(s) d’écart avec celle du stockage cloud, qui refuse donc les requêtes (RequestTimeTooSkewed). Remettez l’horloge à l’heure (heure automatique), puis réessayez.',
  },
  S3_THROTTLED: {
    en: 'The cloud storage at {endpoint} asks to slow down (503 SlowDown) and kept refusing after {attempts} tries. Nothing is lost: the next run resumes where this one stopped.',
    fr: 'Le stockage cloud {endpoint} demande de ralentir (503 SlowDown) et a continué de refuser après {attempts} essais. Rien n’est perdu : le prochain lancement reprend là où celui-ci s’est arrêté.',
  },
  S3_SERVER_ERROR: {
    en: 'The cloud storage failed on {what} ({status} {reason}) after {attempts} tries. Nothing is lost: the next run resumes where this one stopped.',
    fr: 'Le stockage cloud a échoué sur {what} ({status} {reason}) après {attempts} essais. Rien n’est perdu : le prochain lancement reprend là où celui-ci s’est arrêté.',
  },
  S3_QUOTA_EXCEEDED: {
    en: 'The cloud storage is full for bucket {bucket} (quota reached). Nothing already stored is lost; ask IT to raise the quota, then back up again.',
    fr: 'Le stockage cloud est plein pour le bucket {bucket} (quota atteint). Rien de ce qui est déjà stocké n’est perdu ; demandez au service informatique d’augmenter le quota, puis relancez la sauvegarde.',
  },
  S3_OBJECT_LOCKED: {
    en: 'The object {what} is locked until {until} (Object Lock) and cannot be deleted before then; it will be deleted by a later prune.',
    fr: 'L’objet {what} est verrouillé jusqu’au {until} (Object Lock) et ne peut pas être supprimé avant ; un prochain nettoyage le supprimera.',
  },
  S3_BAD_DIGEST: {
    en: 'The cloud storage received {what} damaged (checksum mismatch) {attempts} times in a row. The network between this computer and {endpoint} corrupts data: tell IT.',
    fr: 'Le stockage cloud a reçu {what} endommagé (somme de contrôle fausse) {attempts} fois de suite. Le réseau entre cet ordinateur et {endpoint} altère les données : prévenez le service informatique.',
  },
  S3_PREFIX_TAKEN: {
    en: 'Bucket {bucket}, prefix “{prefix}”, already holds another repository ({repoId}). Use one bucket or prefix per computer.',
    fr: 'Le bucket {bucket}, préfixe « {prefix} », contient déjà un autre dépôt ({repoId}). Utilisez un bucket ou un préfixe par ordinateur.',
  },
  POLICY_TARGET_PENDING: {
    en: 'The cloud copy {target} that your organisation’s policy asks for is not set up on this computer yet: {reason}',
    fr: 'La copie cloud {target} demandée par la politique de votre organisation n’est pas encore en place sur cet ordinateur : {reasonFr}',
  },
  POLICY_TARGET_CONFLICT: {
    en: 'Your organisation’s policy asks for a cloud copy named {target}, but this computer already has a target of that name, set up by hand; it is left as it is. Remove it (havre target remove {target}) to let the policy’s take its place.',
    fr: 'La politique de votre organisation demande une copie cloud nommée {target}, mais cet ordinateur a déjà une cible de ce nom, ajoutée à la main ; elle est laissée telle quelle. Retirez-la (havre target remove {target}) pour que celle de la politique prenne sa place.',
  },
  S3_NEEDS_CREDENTIALS: {
    en: 'No access key for the cloud target {target} on this computer (OS keychain: {reason}). Run havre target credentials {target}, or set HAVRE_S3_ACCESS_KEY_ID and HAVRE_S3_SECRET_ACCESS_KEY.',
    fr: 'Aucune clé d’accès pour la cible cloud {target} sur cet ordinateur (trousseau : {reason}). Lancez havre target credentials {target}, ou définissez HAVRE_S3_ACCESS_KEY_ID et HAVRE_S3_SECRET_ACCESS_KEY.',
  },
  TARGET_UNKNOWN: {
    en: 'There is no backup target named “{name}” (targets: {names}). See havre target list.',
    fr: 'Aucune cible de sauvegarde ne s’appelle « {name} » (cibles : {names}). Voir havre target list.',
  },
  TARGET_EXISTS: {
    en: 'A backup target named “{name}” already exists. Choose another name with --name, or remove it first.',
    fr: 'Une cible de sauvegarde nommée « {name} » existe déjà. Choisissez un autre nom avec --name, ou supprimez-la d’abord.',
  },
  TARGETS_UNREACHABLE: {
    en: 'No backup target can be reached: {reasons}. Nothing is lost; try again when the network is back.',
    fr: 'Aucune cible de sauvegarde n’est joignable : {reasons}. Rien n’est perdu ; réessayez quand le réseau sera revenu.',
  },
  SETTINGS_INVALID: {
    en: 'Invalid settings: {detail}. Nothing was changed.',
    fr: 'Réglages invalides : {detail}. Rien n’a été modifié.',
  },
  SETTING_LOCKED: {
    en: 'The setting “{setting}” is fixed by your organisation’s policy ({reason}); ask your IT support to change it.',
    fr: 'Le réglage « {setting} » est fixé par la politique de votre organisation ({reason}) ; demandez à votre support informatique de le changer.',
  },
  POLICY_INVALID: {
    en: 'The policy set by your organisation is invalid: {detail}.',
    fr: 'La politique fixée par votre organisation est invalide : {detail}.',
  },
  POLICY_FALLBACK: {
    en: 'Your organisation’s policy could not be used ({detail}); Havre applies {fallback} until IT fixes it. Nothing was changed or lost.',
    fr: 'La politique de votre organisation n’a pas pu être appliquée ({detail}) ; Havre applique {fallback} jusqu’à ce que le service informatique la corrige. Rien n’a été modifié ni perdu.',
  },
  POLICY_UNREADABLE: {
    en: 'The policy at {source} cannot be read ({reason}).',
    fr: 'La politique {source} est illisible ({reason}).',
  },
  POLICY_FOLDER_MISSING: {
    en: 'The folder {path}, which your organisation’s policy protects, does not exist on this computer; it is protected as soon as it exists.',
    fr: 'Le dossier {path}, que la politique de votre organisation protège, n’existe pas sur cet ordinateur ; il sera protégé dès qu’il existera.',
  },
  POLICY_LOCK: {
    en: 'set by IT: {reason}',
    fr: 'fixé par le service informatique : {reason}',
  },
  POLICY_ENROLL_RETRY: {
    en: 'Automatic enrollment with {url} failed ({reason}); attempt {attempt}, the next one at {next}. Nothing was changed on this computer.',
    fr: 'L’enrôlement automatique auprès de {url} a échoué ({reason}) ; tentative {attempt}, la prochaine à {next}. Rien n’a été modifié sur cet ordinateur.',
  },
  POLICY_ENROLL_STOPPED: {
    en: 'Automatic enrollment with {url} stopped: {reason}. IT must deploy a new enrollment token; nothing was changed on this computer.',
    fr: 'L’enrôlement automatique auprès de {url} est arrêté : {reason}. Le service informatique doit déployer un nouveau jeton ; rien n’a été modifié sur cet ordinateur.',
  },
  UPDATE_REFUSED: {
    en: 'The update was refused ({reason}); Havre stays on version {current}. Nothing was installed.',
    fr: 'La mise à jour a été refusée ({reason}) ; Havre reste en version {current}. Rien n’a été installé.',
  },
  DAEMON_RUNNING: {
    en: 'Havre’s continuous protection already runs for this account (process {pid}); stop it first, or use its status with `havre status`.',
    fr: 'La protection continue de Havre fonctionne déjà pour ce compte (processus {pid}) ; arrêtez-la d’abord, ou consultez son état avec `havre status`.',
  },
  JOB_CANCELLED: {
    en: 'The backup was stopped ({reason}); what it had already stored is kept and the rest will be backed up later.',
    fr: 'La sauvegarde a été arrêtée ({reason}) ; ce qu’elle avait déjà enregistré est conservé et le reste sera sauvegardé plus tard.',
  },
  FOLDER_UNAVAILABLE: {
    en: 'The folder {path} cannot be reached ({reason}): its protection waits until it is back. What was already backed up is safe.',
    fr: 'Le dossier {path} est inaccessible ({reason}) : sa protection attend son retour. Ce qui était déjà sauvegardé est en sécurité.',
  },
  NOTHING_TO_PROTECT: {
    en: 'No folder is chosen for protection: choose folders in Havre’s settings (or `havre settings set folders PATH...`).',
    fr: 'Aucun dossier n’est choisi pour la protection : choisissez des dossiers dans les réglages de Havre (ou `havre settings set folders CHEMIN...`).',
  },
  FILE_UNREADABLE: {
    en: '{path} could not be backed up after {attempts} attempt(s): {reason}. Havre keeps trying; close the program that holds it, or check its permissions.',
    fr: '{path} n’a pas pu être sauvegardé après {attempts} essai(s) : {reason}. Havre réessaie ; fermez le programme qui le retient, ou vérifiez ses droits.',
  },
  RESTORE_TARGET_FORBIDDEN: {
    en: 'Havre restores only into your own folders (your home folder, a folder it backs up, or the file’s original place); {path} is not one of them. Choose another place.',
    fr: 'Havre ne restaure que dans vos propres dossiers (votre dossier personnel, un dossier sauvegardé ou l’emplacement d’origine du fichier) ; {path} n’en fait pas partie. Choisissez un autre emplacement.',
  },
  RESTORE_TARGET_DENIED: {
    en: 'Havre may not write in {path}: the disk is read-only or you lack the permission. Choose another folder; nothing was changed.',
    fr: 'Havre ne peut pas écrire dans {path} : le disque est en lecture seule ou vous n’en avez pas le droit. Choisissez un autre dossier ; rien n’a été modifié.',
  },
  RESTORE_TARGET_FULL: {
    en: 'There is no space left in {path}: {restored} file(s) were restored, {left} were not. Free some space or choose another place, then restore again; the files already restored are kept.',
    fr: 'Il n’y a plus de place dans {path} : {restored} fichier(s) restauré(s), {left} non restauré(s). Libérez de la place ou choisissez un autre emplacement, puis restaurez à nouveau ; les fichiers déjà restaurés sont conservés.',
  },
  RESTORE_PARTIAL: {
    en: '{left} file(s) could not be restored; the other {restored} file(s) were. The list says why; try an earlier version of those files.',
    fr: '{left} fichier(s) n’ont pas pu être restaurés ; les {restored} autres l’ont été. La liste dit pourquoi ; essayez une version plus ancienne de ces fichiers.',
  },
  SESSION_EXPIRED: {
    en: 'This restore session has ended (it closes after 15 minutes without use, or when Havre restarts); sign in again.',
    fr: 'Cette session de restauration est terminée (elle se ferme après 15 minutes sans utilisation, ou quand Havre redémarre) ; reconnectez-vous.',
  },
  SESSION_NEEDS_APPLIANCE: {
    en: 'Restoring as administrator, or another machine’s backups, needs a backup appliance; this computer backs up to {repo}.',
    fr: 'Restaurer en tant qu’administrateur, ou les sauvegardes d’un autre poste, nécessite une appliance de sauvegarde ; cet ordinateur sauvegarde vers {repo}.',
  },
  WATCH_LIMIT: {
    en: 'Havre cannot watch every folder of {root}: the system limit on watched folders ({limit}) is reached. Havre checks this folder by periodic scans instead, so changes there are protected later than usual. To raise the limit (IT, as root): sysctl -w fs.inotify.max_user_watches={suggested}, and put fs.inotify.max_user_watches={suggested} in /etc/sysctl.d/90-havre.conf to keep it after a restart.',
    fr: 'Havre ne peut pas surveiller tous les dossiers de {root} : la limite du système sur les dossiers surveillés ({limit}) est atteinte. Havre vérifie ce dossier par des analyses périodiques à la place ; les modifications y sont donc protégées plus tard que d’habitude. Pour relever la limite (service informatique, en root) : sysctl -w fs.inotify.max_user_watches={suggested}, et mettez fs.inotify.max_user_watches={suggested} dans /etc/sysctl.d/90-havre.conf pour la garder après un redémarrage.',
  },
  WATCH_OVERFLOW: {
    en: 'Too many changes arrived at once under {root} for each to be reported ({reason}). Havre rescans this folder to find them all; there is nothing to do.',
    fr: 'Trop de modifications sont arrivées en même temps sous {root} pour être toutes signalées ({reason}). Havre analyse de nouveau ce dossier pour toutes les retrouver ; vous n’avez rien à faire.',
  },
  WATCH_ROOT_GONE: {
    en: 'The backed-up folder {root} is no longer there ({reason}): it was deleted, renamed, or its drive was removed. Nothing already backed up is lost. Havre watches it again as soon as it is back; if it moved, add its new location to the backed-up folders.',
    fr: 'Le dossier sauvegardé {root} n’est plus là ({reason}) : il a été supprimé, renommé, ou son disque a été retiré. Rien de ce qui est déjà sauvegardé n’est perdu. Havre le surveille de nouveau dès son retour ; s’il a été déplacé, ajoutez son nouvel emplacement aux dossiers sauvegardés.',
  },
  WATCH_FAILED: {
    en: 'Watching {root} for changes failed ({reason}). Havre checks this folder by periodic scans instead, and tries again to watch it.',
    fr: 'La surveillance des modifications de {root} a échoué ({reason}). Havre vérifie ce dossier par des analyses périodiques à la place, et réessaie de le surveiller.',
  },
  AUDIT_LOG_DAMAGED: {
    en: 'The audit log at {path} cannot be read ({detail}). Nothing else is affected; keep the file for IT, who can compare it with the appliance’s copy.',
    fr: 'Le journal d’audit {path} est illisible ({detail}). Rien d’autre n’est touché ; conservez le fichier pour le service informatique, qui peut le comparer à la copie de l’appliance.',
  },
  AUDIT_CHAIN_BROKEN: {
    en: 'The audit log is not intact: {reason} (event {seq}). It was altered after it was written; the appliance keeps its own copy of the events it received.',
    fr: 'Le journal d’audit n’est pas intact : {reasonFr} (événement {seq}). Il a été modifié après son écriture ; l’appliance garde sa propre copie des événements reçus.',
  },
  VIRUS_FOUND: {
    en: '{path} is infected ({signature}): it was not backed up. Its previous versions, if any, are kept.',
    fr: '{path} est infecté ({signature}) : il n’a pas été sauvegardé. Ses versions précédentes éventuelles sont conservées.',
  },
  SCANNER_UNAVAILABLE: {
    en: 'The antivirus scanner (clamd at {socket}) cannot be used: {reason}. Your policy stops backups until it answers again; nothing already backed up is affected.',
    fr: 'L’antivirus (clamd sur {socket}) est inutilisable : {reason}. Votre politique suspend les sauvegardes jusqu’à ce qu’il réponde ; rien de ce qui est déjà sauvegardé n’est touché.',
  },
  USAGE: {
    en: '{detail}. See `havre help`.',
    fr: '{detail}. Voir `havre help`.',
  },
  INTERNAL: {
    en: 'Unexpected error: {reason}. Please report it.',
    fr: 'Erreur inattendue : {reason}. Merci de la signaler.',
  },
} as const satisfies Record<string, { en: string; fr: string }>;

export type ErrorCode = keyof typeof messages;
export type Lang = 'en' | 'fr';
