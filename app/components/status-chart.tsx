/** A small stacked bar chart of messages per day by status, as inline SVG (no chart library needed for this). */
export function StatusChart({ series }: { series: { day: string; queued: number; sent: number; failed: number }[] }) {
  const max = Math.max(1, ...series.map((s) => s.queued + s.sent + s.failed));
  const barWidth = 28;
  const gap = 8;
  const height = 120;
  const width = series.length * (barWidth + gap);
  const colors = { sent: "#047857", queued: "#0b4f6c", failed: "#b91c1c" } as const;
  return (
    <figure style={{ margin: 0 }}>
      <svg viewBox={`0 0 ${width} ${height + 20}`} width="100%" height={height + 20} role="img" aria-label="Messages per day by status">
        {series.map((s, i) => {
          let y = height;
          const x = i * (barWidth + gap);
          return (
            <g key={s.day}>
              {(["sent", "queued", "failed"] as const).map((k) => {
                const h = (s[k] / max) * height;
                y -= h;
                return h > 0 ? (
                  <rect key={k} x={x} y={y} width={barWidth} height={h} fill={colors[k]}>
                    <title>{`${s.day}: ${s[k]} ${k}`}</title>
                  </rect>
                ) : null;
              })}
              <text x={x + barWidth / 2} y={height + 14} fontSize="9" textAnchor="middle" fill="#6b7280">
                {s.day.slice(5)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="muted">
        <span style={{ color: colors.sent }}>■</span> sent <span style={{ color: colors.queued }}>■</span> waiting{" "}
        <span style={{ color: colors.failed }}>■</span> failed
      </figcaption>
    </figure>
  );
}
