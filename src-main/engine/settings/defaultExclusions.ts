/**
 * What Havre leaves out unless told otherwise (Settings.defaultExclusions): data that is rebuilt,
 * re-downloaded or thrown away by the system, and files that are never consistent on disk. Each
 * group says why; docs/DECISIONS.md lists them for IT. Names match at any depth; `~/` is the home.
 */
export const DEFAULT_EXCLUSION_GROUPS: readonly { readonly why: string; readonly patterns: readonly string[] }[] = [
  {
    why: 'caches: rebuilt by the programs that made them',
    patterns: ['~/.cache/', '~/Library/Caches/', '~/AppData/Local/Temp/', '~/AppData/Local/Microsoft/Windows/INetCache/', 'Cache/', 'Caches/',
      'cache2/', 'GPUCache/', 'Code Cache/', 'CachedData/', 'ShaderCache/', '.npm/', '.gradle/caches/', '.m2/repository/', '__pycache__/'],
  },
  {
    why: 'temporary and lock files: half-written by design, meaningless once the program closes',
    patterns: ['*.tmp', '*.temp', '~$*', '.~lock.*#', '*.swp', '*.swo', '*~.tmp', '*.part', '*.crdownload', '*.download', '.#*'],
  },
  {
    why: 'trash: what the user threw away',
    patterns: ['~/.local/share/Trash/', '.Trash/', '.Trash-*/', '$RECYCLE.BIN/', 'RECYCLER/'],
  },
  {
    why: 'build output and dependencies: rebuilt from the sources, which are kept',
    patterns: ['node_modules/', '.venv/', '.tox/', '.next/', '.nuxt/', '.parcel-cache/', '.turbo/'],
  },
  {
    why: 'cloud-sync placeholders and their internals: the provider keeps the data',
    patterns: ['*.icloud', '.dropbox.cache/', '.dropbox/'],
  },
  {
    why: 'operating system files: per machine, restored by the OS',
    patterns: ['.DS_Store', '.Spotlight-V100/', '.fseventsd/', '.DocumentRevisions-V100/', '.TemporaryItems/', 'Thumbs.db', 'ehthumbs.db',
      'desktop.ini', 'System Volume Information/', 'hiberfil.sys', 'pagefile.sys', 'swapfile.sys', 'lost+found/'],
  },
];

export const DEFAULT_EXCLUSIONS: readonly string[] = DEFAULT_EXCLUSION_GROUPS.flatMap((g) => g.patterns);
