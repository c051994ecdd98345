export { ApplianceStore, type ApplianceStoreOptions } from './ApplianceStore.js';
