// The activity screen's state: the query (kinds, outcome, words), the events loaded so far, newest
// first, kept live from activity:added, and the export of everything the query matches.

import type { ActivityEvent, ActivityKind, ActivityOutcome, ActivityQuery, IpcError } from '../../../src-main/ipc/contract.js';
import type { HavreApi } from '../../../src-main/ipc/rendererApi.js';
import { activityCsv, activityJson, download } from './exportActivity.js';
import type { Lang } from './strings.js';

const PAGE = 100;

export class ActivityView {
  kinds = $state<ActivityKind[]>([]);
  outcome = $state<ActivityOutcome | ''>('');
  search = $state('');
  events = $state<ActivityEvent[]>([]);
  total = $state(0);
  loading = $state(false);
  error = $state<IpcError | null>(null);
  exporting = $state(false);

  readonly #api: HavreApi;
  #generation = 0;

  constructor(api: HavreApi) {
    this.#api = api;
  }

  query(offset: number, limit: number): ActivityQuery {
    return { offset, limit, ...(this.kinds.length > 0 ? { kinds: [...this.kinds] } : {}), ...(this.outcome ? { outcomes: [this.outcome] } : {}),
      ...(this.search.trim() ? { search: this.search.trim().slice(0, 256) } : {}) };
  }

  /** Loads the first page for the current query (a newer call wins over a slower older one). */
  async reload(): Promise<void> {
    const generation = ++this.#generation;
    this.loading = true;
    const r = await this.#api.invoke('activity:list', this.query(0, PAGE));
    if (generation !== this.#generation) return;
    this.loading = false;
    if (r.ok) {
      this.events = r.value.events;
      this.total = r.value.total;
      this.error = null;
    } else {
      this.error = r.error;
    }
  }

  async more(): Promise<void> {
    const generation = this.#generation;
    const r = await this.#api.invoke('activity:list', this.query(this.events.length, PAGE));
    if (generation !== this.#generation || !r.ok) return;
    const known = new Set(this.events.map((e) => e.id));
    this.events = [...this.events, ...r.value.events.filter((e) => !known.has(e.id))];
    this.total = r.value.total;
  }

  connect(): () => void {
    void this.reload();
    return this.#api.onActivity(() => void this.reload());
  }

  /** Every event the query matches, as a CSV or JSON file. */
  async export(format: 'csv' | 'json', lang: Lang): Promise<void> {
    this.exporting = true;
    try {
      const all: ActivityEvent[] = [];
      for (let offset = 0; ; offset += 1000) {
        const r = await this.#api.invoke('activity:list', this.query(offset, 1000));
        if (!r.ok) {
          this.error = r.error;
          return;
        }
        all.push(...r.value.events);
        if (r.value.events.length < 1000) break;
      }
      const day = new Date().toISOString().slice(0, 10);
      if (format === 'csv') download(`havre-activity-${day}.csv`, 'text/csv;charset=utf-8', activityCsv(all, lang));
      else download(`havre-activity-${day}.json`, 'application/json', activityJson(all));
    } finally {
      this.exporting = false;
    }
  }
}
