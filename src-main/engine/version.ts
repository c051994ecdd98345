/** Havre's version, written into snapshots ("program"). Keep in step with package.json. */
export const VERSION = '0.1.0';
