const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

function labelText(labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${labels[k]!.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

/**
 * Counters, gauges and histograms in the Prometheus text exposition format (version 0.0.4),
 * without a client library: the server exposes a handful of series.
 */
export class Metrics {
  private counters = new Map<string, Map<string, number>>();
  private gauges = new Map<string, () => number | Map<string, number>>();
  private histograms = new Map<string, Map<string, Histogram>>();
  private help = new Map<string, string>();

  describe(name: string, help: string): this {
    this.help.set(name, help);
    return this;
  }

  inc(name: string, labels: Record<string, string> = {}, by = 1): void {
    let m = this.counters.get(name);
    if (!m) this.counters.set(name, (m = new Map()));
    const k = labelText(labels);
    m.set(k, (m.get(k) ?? 0) + by);
  }

  /** A gauge computed when scraped; a Map gives one series per label text (`{hook="a"}`). */
  gauge(name: string, read: () => number | Map<string, number>): void {
    this.gauges.set(name, read);
  }

  observe(name: string, labels: Record<string, string>, seconds: number): void {
    let m = this.histograms.get(name);
    if (!m) this.histograms.set(name, (m = new Map()));
    const k = labelText(labels);
    let h = m.get(k);
    if (!h) m.set(k, (h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    BUCKETS.forEach((b, i) => { if (seconds <= b) h!.counts[i]!++; });
    h.sum += seconds;
    h.count++;
  }

  counter(name: string, labels: Record<string, string> = {}): number {
    return this.counters.get(name)?.get(labelText(labels)) ?? 0;
  }

  render(): string {
    const out: string[] = [];
    const head = (name: string, type: string) => {
      const h = this.help.get(name);
      if (h) out.push(`# HELP ${name} ${h}`);
      out.push(`# TYPE ${name} ${type}`);
    };
    for (const [name, m] of this.counters) {
      head(name, 'counter');
      for (const [k, v] of m) out.push(`${name}${k} ${v}`);
    }
    for (const [name, read] of this.gauges) {
      head(name, 'gauge');
      const v = read();
      if (v instanceof Map) for (const [k, x] of v) out.push(`${name}${k} ${x}`);
      else out.push(`${name} ${v}`);
    }
    for (const [name, m] of this.histograms) {
      head(name, 'histogram');
      for (const [k, h] of m) {
        const inner = k ? k.slice(1, -1) + ',' : '';
        BUCKETS.forEach((b, i) => out.push(`${name}_bucket{${inner}le="${b}"} ${h.counts[i]}`));
        out.push(`${name}_bucket{${inner}le="+Inf"} ${h.count}`);
        out.push(`${name}_sum${k} ${h.sum}`);
        out.push(`${name}_count${k} ${h.count}`);
      }
    }
    return `${out.join('\n')}\n`;
  }
}

export { labelText };
