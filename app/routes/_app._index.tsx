import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { onboardingChecklist, type Checklist } from "~/modules/onboarding/checklist.server";
import { dashboardFigures } from "~/modules/partners/queries.server";
import { PartnerScorecardCard, VendorScorecardCard } from "~/components/tier-scorecard";
import { partnerScorecard, vendorScorecard } from "~/modules/tiers/scorecard.server";
import { getDb } from "~/utils/db.server";
import { can, isVendorRole } from "~/utils/permissions";
import { actorOf, requireUser } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Dashboard · Channel Partner Portal" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const ctx = { db: await getDb(), actor: actorOf(user) };
  const [figures, checklist] = await Promise.all([dashboardFigures(ctx), onboardingChecklist(ctx)]);
  // The tier scorecard: the partner's own, or the channel at a glance for vendor staff.
  const vendorCard = isVendorRole(user.role) ? await vendorScorecard(ctx) : null;
  const partnerCard = isVendorRole(user.role) ? null : await partnerScorecard(ctx);
  return {
    name: user.name,
    partnerName: user.partnerName,
    vendor: isVendorRole(user.role),
    canManageTeam: can(user.role, "team:manage"),
    figures,
    checklist,
    vendorCard,
    partnerCard,
  };
}

export default function Dashboard() {
  const { name, partnerName, vendor, canManageTeam, figures, checklist, vendorCard, partnerCard } =
    useLoaderData<typeof loader>();
  return (
    <>
      <h1>Welcome, {name}</h1>
      <p className="muted">{vendor ? "The vendor's channel at a glance." : `Your workspace at ${partnerName}.`}</p>
      {checklist ? <OnboardingCard checklist={checklist} /> : null}
      <div className="grid">
        {vendor ? (
          <div className="card">
            <div className="stat">{figures.partners}</div>
            <Link to="/directory">Partners</Link>
          </div>
        ) : null}
        <div className="card">
          <div className="stat">{figures.people}</div>
          {vendor ? "People with an account" : <Link to="/team">People in your team</Link>}
        </div>
        <div className="card">
          <div className="stat">{figures.openLeads}</div>
          <Link to="/leads">Open leads</Link>
          {figures.leadsWaiting > 0 ? (
            <div className="muted">
              {vendor
                ? `${figures.leadsWaiting} need a channel manager`
                : `${figures.leadsWaiting} waiting for your answer`}
            </div>
          ) : null}
        </div>
        <div className="card">
          <div className="stat">{figures.openDeals}</div>
          <Link to="/deals">Open deal registrations</Link>
        </div>
      </div>
      {partnerCard ? <PartnerScorecardCard card={partnerCard} /> : null}
      {vendorCard ? <VendorScorecardCard card={vendorCard} /> : null}
      {canManageTeam && !checklist ? (
        <div className="card">
          <h2>Next steps</h2>
          <p>
            <Link to="/team">Invite your colleagues</Link> so they can work leads, register deals and take training.
          </p>
        </div>
      ) : null}
    </>
  );
}

/** The partner's onboarding checklist: each step ticks itself from real data. */
function OnboardingCard({ checklist }: { checklist: Checklist }) {
  if (checklist.complete) {
    const upcoming = checklist.steps.filter((s) => !s.available);
    return (
      <section className="card" aria-labelledby="onboarding-title">
        <h2 id="onboarding-title" style={{ margin: 0 }}>
          ✓ Onboarding complete
        </h2>
        <p className="muted" style={{ marginBottom: 0 }}>
          All {checklist.total} steps are done.
          {upcoming.length ? ` ${upcoming.map((s) => s.detail).join(" ")}` : ""}
        </p>
      </section>
    );
  }
  return (
    <section className="card" aria-labelledby="onboarding-title">
      <h2 id="onboarding-title" style={{ marginTop: 0 }}>
        Getting started{" "}
        <span className="muted">
          · {checklist.done} of {checklist.total} done
        </span>
      </h2>
      <progress value={checklist.done} max={checklist.total} style={{ width: "100%" }} aria-label="Onboarding progress">
        {checklist.done} of {checklist.total}
      </progress>
      <ul style={{ listStyle: "none", padding: 0, margin: "0.75rem 0 0", display: "grid", gap: "0.5rem" }}>
        {checklist.steps.map((s) => (
          <li key={s.key} className={s.available ? undefined : "muted"} data-done={s.done}>
            <span role="img" aria-label={s.done ? "Done" : s.available ? "To do" : "Not available yet"}>
              {s.done ? "✓" : s.available ? "○" : "–"}
            </span>{" "}
            {s.done || !s.available ? <span>{s.label}</span> : <Link to={s.href}>{s.label}</Link>}
            {s.detail ? <span className="muted"> — {s.detail}</span> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
