import { Metrics } from './Metrics.js';

/** Where the gauges of `meta serve` read their values when scraped. */
export interface ServerGauges {
  sseClients(): number;
  /** Seconds since the last good fetch of `--remote` (0 without one, -1 before the first). */
  followerLagSeconds(): number;
  webhookLagEvents(): Map<string, number>;
  tipAgeSeconds(): number;
}

/** The metrics of `meta serve`, described, with its gauges wired to `gauges`. */
export function serverMetrics(gauges: ServerGauges): Metrics {
  const metrics = new Metrics()
    .describe('meta_appends_total', 'records appended through this server')
    .describe('meta_commits_total', 'commits this server wrote (group commits hold many appends)')
    .describe('meta_group_commit_writes', 'writes per group commit (histogram of batch sizes, not seconds)')
    .describe('meta_http_requests_total', 'HTTP requests by route and status')
    .describe('meta_http_request_duration_seconds', 'request latency by route')
    .describe('meta_sse_clients', 'open event streams')
    .describe('meta_follower_lag_seconds', 'seconds since the last successful fetch of --remote (0 without --remote)')
    .describe('meta_webhook_lag_events', 'events not yet delivered, per webhook')
    .describe('meta_tip_age_seconds', 'age of the tip commit');
  metrics.gauge('meta_sse_clients', gauges.sseClients);
  metrics.gauge('meta_follower_lag_seconds', gauges.followerLagSeconds);
  metrics.gauge('meta_webhook_lag_events', gauges.webhookLagEvents);
  metrics.gauge('meta_tip_age_seconds', gauges.tipAgeSeconds);
  return metrics;
}
