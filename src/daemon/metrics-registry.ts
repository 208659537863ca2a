// MetricsRegistry: samples in, Prometheus text exposition format 0.0.4 out. Pure (no I/O).
//
// Theory of operation: a scrape builds a fresh registry (metrics-collect.ts), defines each metric
// family once (name, type, help, label names) and sets one value per label set; render() writes
// every family that has at least one sample as
//     # HELP name escaped help
//     # TYPE name counter|gauge|untyped
//     name{label="escaped value",...} value
// with all of a family's lines together and the TYPE line before its first sample, which is
// what the format requires (https://prometheus.io/docs/instrumenting/exposition_formats/,
// "Text format details"). Families without samples are left out, as client_golang does, so a
// daemon without LVS shows no empty LVS families.
//
// Escaping (same document): in HELP, backslash and line feed become \\ and \n; in a label value,
// backslash, double quote and line feed become \\, \" and \n. Values are Go ParseFloat-readable:
// NaN, +Inf, -Inf or a decimal / exponent number.
//
// Names come from our own tables, so an invalid metric or label name, a label count that does
// not match the family, or a family defined twice with different shapes are our bugs (thrown).
// Label VALUES come from the configuration (instance names, interfaces) and are escaped, never
// refused. Setting the same label set twice keeps the last value (one series per label set).

export type MetricType = 'counter' | 'gauge' | 'untyped';

export interface MetricFamilyDef {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  /** Label names in the order they are written. */
  readonly labels: readonly string[];
}

/** The Content-Type of the 0.0.4 text format. */
export const PROMETHEUS_TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function escapeLabelValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function formatSampleValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '0';
  return String(v);
}

export class MetricFamily {
  private readonly series = new Map<string, { readonly values: readonly string[]; value: number }>();

  constructor(readonly def: MetricFamilyDef) {}

  /** One series: `values` line up with def.labels. */
  set(values: readonly string[], value: number): void {
    if (values.length !== this.def.labels.length) {
      throw new Error(`${this.def.name}: ${values.length} label values for labels (${this.def.labels.join(', ')})`);
    }
    // \u0000 cannot appear in a label value we would keep apart from another one.
    const key = values.join('\u0000');
    const s = this.series.get(key);
    if (s) s.value = value;
    else this.series.set(key, { values: [...values], value });
  }

  get size(): number { return this.series.size; }

  render(out: string[]): void {
    if (this.series.size === 0) return;
    const { name, type, help, labels } = this.def;
    out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    for (const s of this.series.values()) {
      const pairs = labels.map((l, i) => `${l}="${escapeLabelValue(s.values[i] ?? '')}"`);
      out.push(`${name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${formatSampleValue(s.value)}`);
    }
  }
}

function sameDef(a: MetricFamilyDef, b: MetricFamilyDef): boolean {
  return a.type === b.type && a.help === b.help && a.labels.length === b.labels.length && a.labels.every((l, i) => l === b.labels[i]);
}

export class MetricsRegistry {
  private readonly families = new Map<string, MetricFamily>();

  /** The family for `def`, created on first use (families render in first-definition order). */
  family(def: MetricFamilyDef): MetricFamily {
    const known = this.families.get(def.name);
    if (known) {
      if (!sameDef(known.def, def)) throw new Error(`metric ${def.name} defined twice with different shapes`);
      return known;
    }
    if (!METRIC_NAME.test(def.name)) throw new Error(`invalid metric name ${JSON.stringify(def.name)}`);
    const seen = new Set<string>();
    for (const l of def.labels) {
      if (!LABEL_NAME.test(l) || l.startsWith('__')) throw new Error(`${def.name}: invalid label name ${JSON.stringify(l)}`);
      if (seen.has(l)) throw new Error(`${def.name}: label ${l} twice`);
      seen.add(l);
    }
    const f = new MetricFamily(def);
    this.families.set(def.name, f);
    return f;
  }

  /** Shorthand: family(def).set(values, value). */
  set(def: MetricFamilyDef, values: readonly string[], value: number): void {
    this.family(def).set(values, value);
  }

  get(name: string): MetricFamily | undefined {
    return this.families.get(name);
  }

  /** The exposition text: every family with samples, each line ending in a line feed. */
  render(): string {
    const out: string[] = [];
    for (const f of this.families.values()) f.render(out);
    return out.length > 0 ? out.join('\n') + '\n' : '';
  }
}
