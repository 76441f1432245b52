/**
 * "Why this partner": a routing decision's stored explanation (the
 * candidates with their score and its parts, or why each was excluded; the
 * partners left out before scoring, counted by reason; the seed and the rules
 * version that replay it; the tier weights the scores used, from the tier
 * rules). Render it with vendorLeadDetail's decisions.
 */
import { formatDateTime } from "~/components/ui";
import { exclusionLabels } from "~/modules/leads/routing";
import type { VendorLeadDetail } from "~/modules/leads/vendor-detail.server";

type Decision = VendorLeadDetail["decisions"][number];

const partLabels: Record<string, string> = {
  tier: "tier",
  acceptanceRate: "acceptance",
  timeToAccept: "time to accept",
  winRate: "win rate",
};

export function CandidatesTable({ candidates }: { candidates: Decision["candidates"] }) {
  if (candidates.length === 0) return <p className="muted">No partner was considered in the lead&apos;s territory.</p>;
  return (
    <div className="table-wrap">
      <table aria-label="Candidates">
        <thead>
          <tr>
            <th scope="col">Partner</th>
            <th scope="col">Score</th>
            <th scope="col">Parts of the score, or why excluded</th>
          </tr>
        </thead>
        <tbody>
          {candidates.map((c) => (
            <tr key={c.partnerId} data-candidate={c.partnerId} data-chosen={c.chosen ? "yes" : undefined}>
              <td>
                {c.name} {c.chosen ? <span className="badge good">chosen</span> : null}
              </td>
              <td>
                {c.excluded.length === 0 && c.score !== null ? c.score.toFixed(3) : <span className="muted">—</span>}
              </td>
              <td>
                {c.excluded.length > 0 ? (
                  <span className="muted">Excluded: {c.excluded.join("; ")}</span>
                ) : c.parts ? (
                  Object.entries(c.parts)
                    .map(([k, v]) => `${partLabels[k] ?? k} ${v.toFixed(3)}`)
                    .join(" + ")
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function DecisionFacts({ decision: d }: { decision: Decision }) {
  return (
    <>
      <p style={{ margin: "0.3rem 0" }}>{d.summary}</p>
      <p className="muted" style={{ margin: "0.3rem 0" }}>
        {d.modeLabel} · {formatDateTime(d.at)}
        {d.decidedBy ? ` · by ${d.decidedBy}` : ""} · rules version {d.rulesVersion ?? "—"} · seed <code>{d.seed}</code>
      </p>
      {d.tierWeightList ? (
        <p className="muted" style={{ margin: "0.3rem 0" }} data-tier-weights>
          Tier weights (tier rules version {d.tierRulesVersion ?? "—"}):{" "}
          {d.tierWeightList.map((t) => `${t.name} ${t.weight}`).join(", ")}
        </p>
      ) : null}
      {d.excludedCounts.length > 0 ? (
        <p className="muted" style={{ margin: "0.3rem 0" }} data-excluded-counts>
          Left out:{" "}
          {d.excludedCounts
            .map((e) => `${e.count} ${(exclusionLabels as Record<string, string>)[e.reason] ?? e.reason}`)
            .join(", ")}
        </p>
      ) : null}
      <CandidatesTable candidates={d.candidates} />
    </>
  );
}

/** The latest decision open, the earlier ones collapsed. */
export function LeadExplanation({ decisions }: { decisions: Decision[] }) {
  const [latest, ...earlier] = decisions;
  return (
    <section className="card" aria-label="Why this partner">
      <h2 style={{ marginTop: 0 }}>Why this partner</h2>
      {!latest ? (
        <p className="muted">The lead has not been routed yet.</p>
      ) : (
        <>
          <DecisionFacts decision={latest} />
          {earlier.map((d) => (
            <details key={d.id} style={{ marginTop: "0.75rem" }}>
              <summary>
                Earlier: {d.modeLabel}, {formatDateTime(d.at)}: {d.chosenPartnerName ?? "no partner"}
              </summary>
              <DecisionFacts decision={d} />
            </details>
          ))}
        </>
      )}
    </section>
  );
}
