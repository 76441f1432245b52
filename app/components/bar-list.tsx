/**
 * A horizontal bar list (CSS bars, no chart library): one row per item, the
 * bar's length relative to `max` (default: the largest value), the value
 * written beside it. Good for counts per bucket and for rates (0..1 with max 1).
 */
export interface BarListItem {
  key: string;
  label: string;
  value: number;
  /** What is written beside the bar (default: the value). */
  display?: string;
  color?: string;
}

export function BarList({
  items,
  label,
  max,
  color = "#0b4f6c",
}: {
  items: readonly BarListItem[];
  /** The list's accessible name. */
  label: string;
  max?: number;
  color?: string;
}) {
  const top = max ?? Math.max(1, ...items.map((i) => i.value));
  return (
    <ul aria-label={label} style={{ listStyle: "none", padding: 0, margin: 0 }}>
      {items.map((i) => {
        const pct = top > 0 ? Math.max(0, Math.min(100, (i.value / top) * 100)) : 0;
        return (
          <li
            key={i.key}
            data-bar={i.key}
            style={{
              display: "grid",
              gridTemplateColumns: "minmax(6rem, 12rem) 1fr auto",
              gap: "0.5rem",
              alignItems: "center",
              margin: "0.2rem 0",
            }}
          >
            <span className="muted" style={{ fontSize: "0.9rem" }}>
              {i.label}
            </span>
            <span style={{ background: "#f1f5f9", borderRadius: 3, height: "0.9rem", display: "block" }}>
              <span
                style={{
                  display: "block",
                  height: "100%",
                  width: `${pct}%`,
                  background: i.color ?? color,
                  borderRadius: 3,
                }}
              />
            </span>
            <span style={{ fontVariantNumeric: "tabular-nums", minWidth: "3rem", textAlign: "right" }}>
              {i.display ?? String(i.value)}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

/** A rate 0..1 for people: "73%"; "—" when unknown. */
export function formatRate(rate: number | null): string {
  return rate === null ? "—" : `${Math.round(rate * 100)}%`;
}

/** Hours for people: "5.5 h", "3.2 d" from 48 hours on; "—" when unknown. */
export function formatHours(hours: number | null): string {
  if (hours === null) return "—";
  return hours >= 48 ? `${Math.round((hours / 24) * 10) / 10} d` : `${Math.round(hours * 10) / 10} h`;
}
