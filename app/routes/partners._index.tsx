import { FilterSelect } from "~/components/forms";
import { data, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { PublicLayout } from "~/components/public-layout";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { EmptyState } from "~/components/ui";
import { locatorFilterSchema, searchLocator } from "~/modules/partners/locator.server";
import { tierLadderInForce } from "~/modules/tiers/in-force.server";
import { tierName } from "~/modules/tiers/rules";
import { countryName } from "~/utils/countries";
import { getDb } from "~/utils/db.server";

/** The public partner locator: no sign-in, nothing but what partners chose to show. */

export const meta: MetaFunction = () => [
  { title: "Find a partner · Channel Partner Portal" },
  { name: "description", content: "Find a reseller for the vendor's mail server products in your country." },
];

export async function loader({ request }: LoaderFunctionArgs) {
  const filter = locatorFilterSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const db = await getDb();
  const result = await searchLocator(db, filter);
  // Tier names from the rules in force (a tier the vendor added reads as its own name).
  const ladder = await tierLadderInForce(db, new Date());
  // Names are resolved here: Intl's country names differ between Node and browsers (hydration).
  const territoryName = (code: string) =>
    code.includes("-") ? `${code} (${countryName(code.slice(0, 2))})` : countryName(code);
  return data(
    {
      ...result,
      partners: result.partners.map((p) => ({
        ...p,
        countryName: countryName(p.country),
        tierLabel: `${tierName(ladder, p.tier)} partner`,
        territoryNames: p.territories.map(territoryName),
      })),
      countries: result.countries
        .map((code) => ({ code, name: countryName(code) }))
        .sort((a, b) => a.name.localeCompare(b.name, "en")),
      filter: { country: filter.country ?? "", specialization: filter.specialization ?? "", q: filter.q ?? "" },
    },
    { headers: { "Cache-Control": "public, max-age=60" } },
  );
}

export const headers: HeadersFunction = ({ loaderHeaders }) => ({
  "Cache-Control": loaderHeaders.get("Cache-Control") ?? "public, max-age=60",
});

export default function PartnerLocator() {
  const { partners, total, page, pageSize, countries, specializations, filter } = useLoaderData<typeof loader>();
  const [search] = useSearchParams();
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const pageLink = (p: number) => {
    const s = new URLSearchParams(search);
    s.set("page", String(p));
    return `?${s.toString()}`;
  };
  const filtered = !!(filter.country || filter.specialization || filter.q);
  return (
    <PublicLayout>
      <h1>Find a partner</h1>
      <p className="muted">
        Certified resellers and service providers for our mail server products. Choose your country to find one near
        you.
      </p>
      <Form method="get" className="filters" role="search">
        <FilterSelect
          name="country"
          label="Country"
          allLabel="All countries"
          value={filter.country}
          options={countries.map((c) => ({ value: c.code, label: c.name }))}
        />
        <FilterSelect
          name="specialization"
          label="Specialization"
          allLabel="All specializations"
          value={filter.specialization}
          options={specializations.map((s) => ({ value: s.key, label: s.label }))}
        />
        <div className="field">
          <label htmlFor="q">Name</label>
          <input id="q" name="q" type="search" defaultValue={filter.q} placeholder="Search by name" maxLength={100} />
        </div>
        <button type="submit">Search</button>
        {filtered ? <Link to="/partners">Clear</Link> : null}
      </Form>

      {partners.length === 0 ? (
        <EmptyState title={filtered ? "No partner matches" : "No partners listed yet"}>
          <p>
            {filtered
              ? "Try another country or specialization, or clear the filters."
              : "Partners appear here once they choose to be listed."}
          </p>
        </EmptyState>
      ) : (
        <ul style={{ listStyle: "none", padding: 0, margin: 0 }}>
          {partners.map((p) => (
            <li key={p.slug} className="card">
              <div className="actions" style={{ alignItems: "flex-start", flexWrap: "nowrap" }}>
                {p.logo ? (
                  <img
                    src={p.logo}
                    alt=""
                    loading="lazy"
                    style={{ width: 96, height: 64, objectFit: "contain", flex: "0 0 auto" }}
                  />
                ) : null}
                <div style={{ minWidth: 0 }}>
                  <h2 style={{ margin: 0 }}>
                    {p.name} <span className={`badge ${p.tier}`}>{p.tierLabel}</span>
                  </h2>
                  <p className="muted" style={{ margin: "0.25rem 0" }}>
                    Based in {p.countryName}
                    {p.territoryNames.length ? ` · Covers ${p.territoryNames.join(", ")}` : ""}
                  </p>
                  {p.specializations.length ? (
                    <p className="actions" style={{ margin: "0.25rem 0" }}>
                      {p.specializations.map((s) => (
                        <span key={s} className="badge">
                          {s}
                        </span>
                      ))}
                    </p>
                  ) : null}
                  {p.description ? <p style={{ whiteSpace: "pre-line", margin: "0.5rem 0" }}>{p.description}</p> : null}
                  {p.website ? (
                    <a href={p.website} rel="nofollow noopener" target="_blank">
                      {p.website.replace(/^https?:\/\//, "").replace(/\/$/, "")}
                    </a>
                  ) : null}
                </div>
              </div>
            </li>
          ))}
        </ul>
      )}
      <nav className="pagination" aria-label="Pages">
        {page > 1 ? <Link to={pageLink(page - 1)}>← Previous</Link> : <span />}
        <span className="muted">
          Page {page} of {pages} · {total} {total === 1 ? "partner" : "partners"}
        </span>
        {page < pages ? <Link to={pageLink(page + 1)}>Next →</Link> : null}
      </nav>
    </PublicLayout>
  );
}
