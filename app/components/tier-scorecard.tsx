import { Link } from "@remix-run/react";
import { BarList, formatHours, formatRate } from "~/components/bar-list";
import { StackedBarChart, type ChartKey } from "~/components/status-chart";
import { formatDate } from "~/components/ui";
import type { PartnerScorecard, VendorScorecard } from "~/modules/tiers/scorecard.server";
import {
  formatUsd,
  requirementText,
  tierName,
  type RequirementProgress,
  type Tier,
  type TierLadder,
} from "~/modules/tiers/rules";
import { countryName } from "~/utils/countries";

/** Two columns side by side where there is room (the shared .grid is sized for stat cards). */
const twoColumns = {
  display: "grid",
  gridTemplateColumns: "repeat(auto-fit, minmax(min(100%, 20rem), 1fr))",
  gap: "1rem 2rem",
} as const;

/** The built-in tiers keep their colours; a tier the vendor added takes one by its place in the ladder. */
const knownTierColors: Record<Tier, string> = {
  registered: "#94a3b8",
  silver: "#64748b",
  gold: "#b45309",
  platinum: "#4c1d95",
};
const extraColors = ["#0f766e", "#be185d", "#1d4ed8", "#4d7c0f", "#7c2d12", "#0e7490", "#6d28d9"];
export function tierColor(ladder: TierLadder, tier: Tier): string {
  const known = knownTierColors[tier];
  if (known) return known;
  const i = ladder.findIndex((t) => t.key === tier);
  return extraColors[(i === -1 ? ladder.length : i) % extraColors.length]!;
}

function Progress({ p, names }: { p: RequirementProgress; names: Record<string, string> }) {
  const ratio = p.need > 0 ? Math.min(1, p.have / p.need) : 1;
  const text = requirementText({ ...p, people: undefined }, names);
  return (
    <li data-requirement={p.key} data-met={p.met} style={{ margin: "0.6rem 0" }}>
      <div style={{ display: "flex", justifyContent: "space-between", gap: "1rem" }}>
        <span>
          {p.met ? "✓ " : ""}
          {text}
        </span>
      </div>
      <progress
        value={Math.round(ratio * 100)}
        max={100}
        style={{ width: "100%", accentColor: p.met ? "#047857" : "#0b4f6c" }}
        aria-label={text}
      >
        {Math.round(ratio * 100)}%
      </progress>
      {p.people && p.people.length > 0 ? (
        <div className="muted" style={{ fontSize: "0.9rem" }}>
          {p.people.map((x) => `${x.name} (until ${formatDate(x.expiresAt)})`).join(", ")}
        </div>
      ) : null}
    </li>
  );
}

/** The partner's scorecard: tier, progress toward the next one, what expires soon and what it would cost. */
export function PartnerScorecardCard({ card }: { card: PartnerScorecard }) {
  const label = (t: Tier) => tierName(card.ladder, t);
  return (
    <section className="card" aria-labelledby="scorecard-title">
      <h2 id="scorecard-title" style={{ marginTop: 0 }}>
        Programme tier: {label(card.tier)}
      </h2>
      <p className="muted" style={{ marginTop: 0 }}>
        {card.benefits
          ? `${card.benefits.discountPercent}% discount on licenses · deal protection ${card.benefits.protectionDays} days · `
          : ""}
        license revenue (12 months) {formatUsd(card.revenue.usdMinor)}
        {card.revenue.missingRates.length
          ? ` (orders in ${card.revenue.missingRates.join(", ")} not yet converted)`
          : ""}
      </p>
      {card.pin ? (
        <p className="notice">
          Held at {label(card.pin.tier)} by the vendor until {formatDate(card.pin.until)}.
        </p>
      ) : null}
      {card.atRisk ? (
        <div className="form-error" role="alert">
          Your {label(card.tier)} tier is at risk: meet its requirements by {formatDate(card.atRisk.due)} or it becomes{" "}
          {label(card.atRisk.target)}.
          <ul style={{ margin: "0.4rem 0 0" }}>
            {card.keep
              .filter((p) => !p.met)
              .map((p) => (
                <li key={p.key}>{requirementText({ ...p, people: undefined }, card.courseNames)}</li>
              ))}
          </ul>
        </div>
      ) : null}
      {card.next ? (
        <>
          <h3>Toward {label(card.next.tier)}</h3>
          <ul style={{ listStyle: "none", padding: 0 }} aria-label={`Progress toward ${label(card.next.tier)}`}>
            {card.next.progress.map((p) => (
              <Progress key={p.key} p={p} names={card.courseNames} />
            ))}
          </ul>
        </>
      ) : (
        <>
          <h3>Keeping {label(card.tier)}</h3>
          <ul style={{ listStyle: "none", padding: 0 }} aria-label={`Requirements of ${label(card.tier)}`}>
            {card.keep.map((p) => (
              <Progress key={p.key} p={p} names={card.courseNames} />
            ))}
          </ul>
        </>
      )}
      <h3>Expiring within 60 days</h3>
      {card.expiring.length === 0 ? (
        <p className="muted">No certification expires in the next 60 days.</p>
      ) : (
        <ul aria-label="Certifications expiring soon">
          {card.expiring.map((e) => (
            <li key={`${e.courseKey}-${e.name}-${e.expiresAt}`}>
              {e.name}: {e.certificationName}, expires {formatDate(e.expiresAt)}
              {e.costsTier ? (
                <strong> — without a renewal your tier would drop to {label(e.tierAfter)}</strong>
              ) : (
                <span className="muted"> — no effect on your tier</span>
              )}
            </li>
          ))}
        </ul>
      )}
      <div style={twoColumns}>
        <div>
          <h3>Leads (12 months)</h3>
          <p>
            {card.leads.offers} offered · {card.leads.accepted} accepted · acceptance rate{" "}
            {formatRate(card.leads.acceptanceRate)} · {card.leads.won} won
            {card.leads.pending ? ` · ${card.leads.pending} waiting for your answer` : ""}
          </p>
          <Link to="/leads">Your leads</Link>
        </div>
        <div>
          <h3>Deals</h3>
          <p>
            {card.deals.open} open ({card.deals.approved} protected) · {card.deals.won} won and {card.deals.lost} lost
            in 12 months
          </p>
          <Link to="/deals">Your deal registrations</Link>
        </div>
      </div>
    </section>
  );
}

const movementWords: Record<string, string> = { upgrade: "up", downgrade: "down", at_risk: "at risk" };

/** The vendor's channel at a glance. */
export function VendorScorecardCard({ card }: { card: VendorScorecard }) {
  const label = (t: Tier) => tierName(card.ladder, t);
  const tierKeys: ChartKey<Tier>[] = card.ladder.map((t) => ({
    key: t.key,
    label: t.name,
    color: tierColor(card.ladder, t.key),
  }));
  return (
    <section className="card" aria-labelledby="channel-title">
      <h2 id="channel-title" style={{ marginTop: 0 }}>
        The channel by tier
      </h2>
      <div style={twoColumns}>
        <div>
          <h3>Partners by tier and country</h3>
          <StackedBarChart
            label="Partners by country, stacked by tier"
            keys={tierKeys}
            totals
            bars={card.byCountry.map((c) => ({ id: countryName(c.country), tick: c.country, values: c.tiers }))}
          />
          <BarList
            label="Partners by tier"
            items={[...card.ladder].reverse().map((t) => ({
              key: t.key,
              label: t.name,
              value: card.byTier[t.key] ?? 0,
              color: tierColor(card.ladder, t.key),
            }))}
          />
        </div>
        <div>
          <h3>Top partners by license revenue (12 months)</h3>
          {card.topByRevenue.length === 0 ? (
            <p className="muted">No license revenue yet.</p>
          ) : (
            <BarList
              label="Top partners by license revenue"
              items={card.topByRevenue.map((p) => ({
                key: p.id,
                label: p.name,
                value: p.usdMinor,
                display: formatUsd(p.usdMinor),
                color: tierColor(card.ladder, p.tier),
              }))}
            />
          )}
          <h3>Lead SLA ({card.leadSla.days} days)</h3>
          <p>
            {card.leadSla.answered} offers answered, {formatRate(card.leadSla.inTimeRate)} in time, median{" "}
            {formatHours(card.leadSla.medianHours)} · {card.leadSla.overdue} past their accept-by time
          </p>
          <h3>Deal review turnaround ({card.dealTurnaround.days} days)</h3>
          <p>
            {card.dealTurnaround.decided} decided, median {formatHours(card.dealTurnaround.medianHours)} ·{" "}
            {card.dealTurnaround.waiting} waiting for review
          </p>
        </div>
      </div>
      <div style={twoColumns}>
        <div>
          <h3>Partners at risk</h3>
          {card.atRisk.length === 0 ? (
            <p className="muted">No partner is at risk.</p>
          ) : (
            <ul aria-label="Partners at risk">
              {card.atRisk.map((p) => (
                <li key={p.partnerId}>
                  {p.name} ({countryName(p.country)}): {label(p.tier)} →{" "}
                  {label(p.targetTier ?? card.ladder[0]?.key ?? "registered")} on {formatDate(p.due)}
                </li>
              ))}
            </ul>
          )}
        </div>
        <div>
          <h3>Movements this quarter</h3>
          <p>
            {card.movementCounts.upgrade} up · {card.movementCounts.downgrade} down · {card.movementCounts.at_risk} put
            at risk since {formatDate(card.quarterStart)}
          </p>
          {card.movements.length ? (
            <ul aria-label="Tier movements this quarter">
              {card.movements.slice(0, 8).map((m) => (
                <li key={m.id}>
                  {formatDate(m.at)} · {m.partnerName}: {movementWords[m.kind] ?? m.kind} ({label(m.fromTier)} →{" "}
                  {label(m.toTier)})
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      </div>
    </section>
  );
}
