/** Small bar charts as inline SVG (no chart library needed for these). */

export interface ChartKey<K extends string> {
  key: K;
  /** Shown in the legend. */
  label: string;
  color: string;
}

export interface ChartBar<K extends string> {
  /** The full name of the bar (a day, a month), used in the tooltips. */
  id: string;
  /** The short label under the bar. */
  tick: string;
  values: Record<K, number>;
}

/**
 * A stacked bar chart: one bar per entry, its parts stacked in the order of
 * `keys` from the bottom. With `totals`, each bar's total is written above it.
 */
export function StackedBarChart<K extends string>({
  bars,
  keys,
  label,
  totals = false,
}: {
  bars: readonly ChartBar<K>[];
  keys: readonly ChartKey<K>[];
  label: string;
  totals?: boolean;
}) {
  const sum = (b: ChartBar<K>) => keys.reduce((n, k) => n + b.values[k.key], 0);
  const max = Math.max(1, ...bars.map(sum));
  const barWidth = 28;
  const gap = 8;
  const top = totals ? 12 : 0;
  const height = 120;
  const width = bars.length * (barWidth + gap);
  return (
    <figure style={{ margin: 0 }}>
      <svg
        viewBox={`0 ${-top} ${width} ${height + 20 + top}`}
        width="100%"
        height={height + 20 + top}
        role="img"
        aria-label={label}
      >
        {bars.map((b, i) => {
          let y = height;
          const x = i * (barWidth + gap);
          const total = sum(b);
          return (
            <g key={b.id}>
              {keys.map((k) => {
                const h = (b.values[k.key] / max) * height;
                y -= h;
                return h > 0 ? (
                  <rect key={k.key} x={x} y={y} width={barWidth} height={h} fill={k.color}>
                    <title>{`${b.id}: ${b.values[k.key]} ${k.key}`}</title>
                  </rect>
                ) : null;
              })}
              {totals ? (
                <text x={x + barWidth / 2} y={y - 3} fontSize="9" textAnchor="middle" fill="#374151">
                  {total}
                </text>
              ) : null}
              <text x={x + barWidth / 2} y={height + 14} fontSize="9" textAnchor="middle" fill="#6b7280">
                {b.tick}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="muted">
        {keys.map((k, i) => (
          <span key={k.key}>
            {i > 0 ? " " : null}
            <span style={{ color: k.color }}>■</span> {k.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

const statusKeys = [
  { key: "sent", label: "sent", color: "#047857" },
  { key: "queued", label: "waiting", color: "#0b4f6c" },
  { key: "failed", label: "failed", color: "#b91c1c" },
] as const satisfies readonly ChartKey<"sent" | "queued" | "failed">[];

/** Messages per day by status, stacked. */
export function StatusChart({ series }: { series: { day: string; queued: number; sent: number; failed: number }[] }) {
  return (
    <StackedBarChart
      label="Messages per day by status"
      keys={statusKeys}
      bars={series.map((s) => ({
        id: s.day,
        tick: s.day.slice(5),
        values: { sent: s.sent, queued: s.queued, failed: s.failed },
      }))}
    />
  );
}
