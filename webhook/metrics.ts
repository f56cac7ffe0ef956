// The receiver's Prometheus counters: alerts by source and what became of them, and requests
// by endpoint and status code. Rendered in the text exposition format on GET /metrics.
export type AlertResult =
  | 'accepted'
  | 'resolved'
  | 'ignored'
  | 'confirmed'
  | 'unauthorized'
  | 'forbidden'
  | 'invalid'
  | 'too_large'
  | 'unsupported_media_type'
  | 'handoff_failed';

export class WebhookMetrics {
  private readonly alerts = new Map<string, number>();
  private readonly requests = new Map<string, number>();

  countAlert(source: string, result: AlertResult, n = 1): void {
    const key = `source="${source}",result="${result}"`;
    this.alerts.set(key, (this.alerts.get(key) ?? 0) + n);
  }

  countRequest(endpoint: string, code: number): void {
    const key = `endpoint="${endpoint}",code="${code}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  render(): string {
    const lines = [
      '# HELP kompox_webhook_alerts_total Alert requests the receiver answered, by source and by what became of them.',
      '# TYPE kompox_webhook_alerts_total counter',
      ...[...this.alerts].map(([labels, n]) => `kompox_webhook_alerts_total{${labels}} ${n}`),
      '# HELP kompox_webhook_requests_total HTTP requests, by endpoint and status code.',
      '# TYPE kompox_webhook_requests_total counter',
      ...[...this.requests].map(([labels, n]) => `kompox_webhook_requests_total{${labels}} ${n}`),
    ];
    return `${lines.join('\n')}\n`;
  }
}
