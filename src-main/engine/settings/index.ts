export { defaultSettings, defaultFolders } from './defaults.js';
export { DEFAULT_EXCLUSION_GROUPS, DEFAULT_EXCLUSIONS } from './defaultExclusions.js';
export { Exclusions, type ExclusionRules } from './Exclusions.js';
export { compileGlob, GlobError, type Glob } from './glob.js';
export { checkSettings, loadEffectiveSettings, loadSettings, readUserSettings, resetSettings, settingsPath, updateSettings } from './settingsFile.js';
