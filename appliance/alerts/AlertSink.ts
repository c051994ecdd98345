// Where alerts go besides the appliance's own list: a webhook, e-mail. A sink throws on failure
// with a short message that carries no secret (no URL, no password): it ends up in the database.

export interface AlertMessage {
  readonly id: number;
  readonly time: string;
  readonly type: string;
  readonly machineId: string | null;
  /** "PC-ALICE (1f2e3d4c)" or null: for humans, e.g. an e-mail subject. */
  readonly machine: string | null;
  readonly message: string;
}

export interface AlertSink {
  /** Stable name, recorded per alert once this sink has it ("webhook", "smtp"). */
  readonly name: string;
  deliver(alert: AlertMessage): Promise<void>;
  /** Releases connections (SMTP pools); optional. */
  close?(): void;
}

export class SinkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SinkError';
  }
}
