import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Latency buckets in seconds: a node adds milliseconds; a backend may take seconds. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The node's Prometheus metrics (`GET /metrics` on the client side), in a registry of its own so
 * several nodes can run in one process. Labels: `role` (consumer: our systems calling out;
 * provider: other nodes calling our services), `service` and `client` (full X-Road identifiers,
 * a bounded set from the global configuration; calls naming neither a registered service nor
 * client are counted under `unknown`), and the exchange error type on errors.
 */
export class NodeMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'role' | 'service' | 'client' | 'outcome'>;
  private readonly errors: Counter<'role' | 'service' | 'client' | 'error'>;
  private readonly duration: Histogram<'role' | 'service' | 'client'>;

  constructor(
    nodeId: string,
    gauges: {
      /** Seconds until the global configuration expires (negative once it has). */
      confExpiresIn: () => number | undefined;
      signatures: () => { signatures: number; messages: number };
      pendingLogWrites: () => number;
    },
  ) {
    this.registry.setDefaultLabels({ node: nodeId });
    this.requests = new Counter({
      name: 'zt_exchange_requests_total',
      help: 'Messages handled, by role, service, client and outcome (ok, denied, error)',
      labelNames: ['role', 'service', 'client', 'outcome'],
      registers: [this.registry],
    });
    this.errors = new Counter({
      name: 'zt_exchange_errors_total',
      help: 'Messages that ended in an exchange error, by error type',
      labelNames: ['role', 'service', 'client', 'error'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'zt_exchange_request_duration_seconds',
      help: 'Time from receiving a message to answering it, by role, service and client',
      labelNames: ['role', 'service', 'client'],
      buckets: BUCKETS,
      registers: [this.registry],
    });
    new Gauge({
      name: 'zt_exchange_globalconf_expires_in_seconds',
      help: 'Seconds until the held global configuration expires (absent when none is held)',
      registers: [this.registry],
      collect() {
        const v = gauges.confExpiresIn();
        if (v !== undefined) this.set(v);
      },
    });
    new Gauge({
      name: 'zt_exchange_signatures_total',
      help: 'Signatures made by this node (one per batch of messages)',
      registers: [this.registry],
      collect() {
        this.set(gauges.signatures().signatures);
      },
    });
    new Gauge({
      name: 'zt_exchange_signed_messages_total',
      help: 'Messages signed by this node (batched under fewer signatures when busy)',
      registers: [this.registry],
      collect() {
        this.set(gauges.signatures().messages);
      },
    });
    new Gauge({
      name: 'zt_exchange_message_log_pending',
      help: 'Message log records and id claims waiting for their group commit',
      registers: [this.registry],
      collect() {
        this.set(gauges.pendingLogWrites());
      },
    });
  }

  /** Counts one handled message. `error` is the X-Road error type, '' when none. */
  observe(m: { role: 'consumer' | 'provider'; service: string; client: string; outcome: 'ok' | 'denied' | 'error'; error: string; seconds: number }): void {
    const labels = { role: m.role, service: m.service || 'unknown', client: m.client || 'unknown' };
    this.requests.inc({ ...labels, outcome: m.outcome });
    if (m.error) this.errors.inc({ ...labels, error: m.error });
    this.duration.observe(labels, m.seconds);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
