export { Alerter, type AlerterOptions } from './Alerter.js';
export { alertFor, overdueAlert, OVERDUE_AFTER_MS } from './alertFor.js';
