/**
 * `npm run bench:deals`: conflict check latency with many registrations.
 *
 * Provisions its own throwaway PostgreSQL cluster (test/support/postgres.ts),
 * migrates a database, then:
 *
 *  1. generates PARTNERS partners and N registrations in SQL (generate_series):
 *     customers with made-up two-word names plus an industry ("Kamori Tesuna
 *     Logistics"), written by each registering partner with its own legal
 *     suffix ("K.K.", "GmbH", "Pty Ltd", …), one domain per customer; about
 *     one registration in five is for a customer someone else registered too;
 *     every status, one approved (protected) registration at most per domain.
 *     The deals' secondary indexes are dropped for the load and rebuilt from
 *     their own definitions afterwards (the migration's indexes, unchanged),
 *     then ANALYZE. Generation time is reported separately.
 *  2. checks that the SQL-made normalized names equal normalizeCompanyName().
 *  3. shows the plan of the conflict query (it must use the trigram GIN index
 *     and the domain index, not a sequential scan).
 *  4. measures, one at a time after a warm-up, CHECKS conflict checks for
 *     existing customers (a random open or protected registration's domain
 *     and name, the name spelled with another legal suffix) and CHECKS for customers nobody
 *     registered: the app's own path, a transaction with findCandidates()
 *     (SET LOCAL pg_trgm.similarity_threshold + the candidate query) and
 *     scoreCandidates(), as registerDeal() and claimCheck() run it; and in
 *     the same run CHECKS primary-key lookups of one deal. Prints p50/p95/p99.
 *
 *  5. with --compare-full-index: adds a trigram index over ALL registrations
 *     (what migration 0004 had before 0005 made it partial) and measures
 *     again with the partial one dropped, to show what the partial index buys.
 *
 *   npm run bench:deals -- [--n=1000000] [--partners=2000] [--checks=1000] [--compare-full-index]
 *
 * Target: conflict check p95 ≤ 20 ms.
 */
import { eq, sql } from "drizzle-orm";
import { deals } from "../../db/schema";
import {
  findCandidates,
  nameThreshold,
  scoreCandidates,
  type MatchQuery,
} from "../../app/modules/deals/conflicts.server";
import { normalizeCompanyName } from "../../app/modules/deals/normalize";
import { arg, benchDatabase, runBench } from "./bench-db";

const N = arg("n", 1_000_000);
const PARTNERS = arg("partners", 2000);
const CHECKS = arg("checks", 1000);
const WARMUP = Math.min(100, CHECKS);
/** Registrations spread over three years; those of the last 100 days are mostly open, older ones closed. */
const HISTORY_DAYS = 3 * 365;
const OPEN_DAYS = 100;
const PARTIAL = process.argv.includes("--compare-full-index");

/** Nearest-rank percentile. */
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};
const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

const SYLLABLES = [
  "ka",
  "to",
  "ri",
  "ma",
  "no",
  "shi",
  "ta",
  "be",
  "lo",
  "ven",
  "dra",
  "mor",
  "sel",
  "qui",
  "zen",
  "par",
  "tes",
  "una",
  "ol",
  "ger",
  "han",
  "bri",
  "cas",
  "del",
  "fen",
  "gal",
  "hel",
  "ira",
  "jor",
  "kel",
  "lum",
  "nor",
  "ost",
  "pre",
  "rav",
  "sto",
  "tor",
  "ul",
  "vin",
  "wes",
];
const INDUSTRIES = [
  "Logistics",
  "Shipping",
  "Foods",
  "Systems",
  "Electric",
  "Motors",
  "Pharma",
  "Bank",
  "Insurance",
  "Retail",
  "Textiles",
  "Chemicals",
  "Steel",
  "Paper",
  "Dairy",
  "Telecom",
  "Media",
  "Energy",
  "Hotels",
  "Airlines",
  "Construction",
  "Engineering",
  "Software",
  "Consulting",
  "Mining",
  "Brewing",
  "Health",
  "Clinics",
  "Labs",
  "Trading",
];
const SUFFIXES = [
  "K.K.",
  "Co., Ltd.",
  "GmbH",
  "AG",
  "B.V.",
  "N.V.",
  "BVBA",
  "Pty Ltd",
  "Inc.",
  "LLC",
  "Corp.",
  "S.A.",
  "SAS",
  "Ltd",
  "PLC",
  "Oy",
  "AB",
  "A/S",
  "S.p.A.",
  "",
];
const COUNTRIES = [
  "JP",
  "DE",
  "NL",
  "BE",
  "AU",
  "US",
  "FR",
  "GB",
  "AT",
  "CH",
  "IT",
  "ES",
  "SE",
  "FI",
  "DK",
  "NZ",
  "CA",
  "SG",
];
const TLDS = [
  "com",
  "co.jp",
  "de",
  "nl",
  "be",
  "com.au",
  "fr",
  "co.uk",
  "at",
  "ch",
  "it",
  "es",
  "se",
  "fi",
  "dk",
  "co.nz",
  "ca",
  "sg",
];

const arr = (xs: string[]) => `ARRAY[${xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(",")}]::text[]`;

/** A made-up word of 2..3 syllables from the hex digits of an md5 hash (SQL). */
const word = (h: string, at: number) => {
  const s = (k: number) =>
    `(${arr(SYLLABLES)})[1 + (('x' || substr(${h}, ${at + 2 * k}, 2))::bit(8)::int % ${SYLLABLES.length})]`;
  return `(${s(0)} || ${s(1)} || case when ('x' || substr(${h}, ${at + 6}, 1))::bit(4)::int < 8 then ${s(2)} else '' end)`;
};

async function main() {
  console.log(
    `deal conflict benchmark: ${N.toLocaleString("en")} registrations, ${PARTNERS} partners, ${CHECKS} checks each`,
  );
  console.log(`name similarity threshold ${nameThreshold()}`);
  const { db, raw, close } = await benchDatabase("bench_deals", { poolSize: 2 });
  try {
    // 1. Generation.
    const tGen = performance.now();
    await raw.query("set maintenance_work_mem = '512MB'");
    await raw.query(
      `insert into partners (slug, name, legal_name, primary_domain, country, status)
       select 'bench-' || i, 'Bench Partner ' || i, 'Bench Partner ' || i || ' Ltd', 'bench-' || i || '.test',
              (${arr(COUNTRIES)})[1 + i % ${COUNTRIES.length}], 'active'
         from generate_series(1, $1::int) i`,
      [PARTNERS],
    );
    const indexes = (
      await raw.query<{ name: string; def: string }>(
        "select indexname as name, indexdef as def from pg_indexes where tablename = 'deals' and indexname <> 'deals_pkey'",
      )
    ).rows;
    for (const ix of indexes) await raw.query(`drop index ${ix.name}`);
    const customers = Math.max(1, Math.floor(N * 0.8));
    const tInsert = performance.now();
    await raw.query(
      `with p as (select array_agg(id order by slug) as ids from partners),
            d as (
              select i,
                     case when i <= $2 then i else 1 + floor(random() * $2)::int end as c,
                     i <= $2 as primary_deal,
                     random() as r,
                     floor(random() * ${HISTORY_DAYS})::int as age
                from generate_series(1, $1::int) i
            ),
            named as (
              select d.*, md5(d.c::text) as h from d
            ),
            w as (
              select named.*,
                     ${word("h", 1)} as w1,
                     ${word("h", 9)} as w2,
                     (${arr(INDUSTRIES)})[1 + (('x' || substr(h, 17, 2))::bit(8)::int % ${INDUSTRIES.length})] as industry,
                     (${arr(COUNTRIES)})[1 + (('x' || substr(h, 19, 2))::bit(8)::int % ${COUNTRIES.length})] as country_code,
                     (${arr(TLDS)})[1 + (('x' || substr(h, 19, 2))::bit(8)::int % ${TLDS.length})] as tld
                from named
            )
       insert into deals (partner_id, customer_name, customer_name_normalized, customer_domain, country,
                          contact_name, contact_email, value_minor, currency, expected_close_date, stage, status,
                          protected_until, created_at, updated_at)
       select (select ids from p)[1 + floor(random() * $3)::int],
              trim(initcap(w1) || ' ' || initcap(w2) || ' ' || industry || ' ' ||
                   (${arr(SUFFIXES)})[1 + floor(random() * ${SUFFIXES.length})::int]),
              w1 || ' ' || w2 || ' ' || lower(industry),
              w1 || '-' || w2 || '-' || to_hex(c) || '.' || tld,
              country_code,
              'Contact ' || i, 'contact' || i || '@example.test',
              (1000 + floor(random() * 100000000))::bigint,
              (array['USD','EUR','JPY','AUD']::currency[])[1 + i % 4],
              current_date + (floor(random() * 700))::int,
              (array['prospecting','qualification','proposal','negotiation','commit']::sales_stage[])[1 + i % 5],
              (case
                 when age < ${OPEN_DAYS} then
                   case when primary_deal and age < 90 and r < 0.45 then 'approved'
                        when r < 0.75 then 'pending_review'
                        when r < 0.82 then 'changes_requested'
                        when r < 0.88 then 'rejected'
                        when r < 0.94 then 'won'
                        else 'lost' end
                 when r < 0.40 then 'won'
                 when r < 0.70 then 'lost'
                 when r < 0.85 then 'expired'
                 else 'rejected' end)::deal_status,
              case when age < ${OPEN_DAYS} and primary_deal and age < 90 and r < 0.45
                   then now() + ((90 - age) || ' days')::interval end,
              now() - (age || ' days')::interval,
              now()
         from w`,
      [N, customers, PARTNERS],
    );
    const insertMs = performance.now() - tInsert;
    const tLines = performance.now();
    await raw.query(
      `insert into deal_lines (deal_id, partner_id, product_id, quantity)
       select d.id, d.partner_id, (select array_agg(id order by sku) from products)[1 + floor(random() * 5)::int],
              1 + floor(random() * 500)::int
         from deals d`,
    );
    const linesMs = performance.now() - tLines;
    const tIndex = performance.now();
    for (const ix of indexes) await raw.query(ix.def);
    const indexMs = performance.now() - tIndex;
    const tAnalyze = performance.now();
    await raw.query("analyze partners; analyze deals; analyze deal_lines");
    const analyzeMs = performance.now() - tAnalyze;
    const genMs = performance.now() - tGen;
    const size = (await raw.query<{ s: string }>("select pg_size_pretty(pg_total_relation_size('deals')) as s"))
      .rows[0]!.s;
    const trgmSize = (
      await raw.query<{ s: string }>("select pg_size_pretty(pg_relation_size('deals_open_name_trgm_idx')) as s")
    ).rows[0]!.s;
    const byStatus = (
      await raw.query<{ status: string; n: string }>(
        "select status, count(*) as n from deals group by 1 order by 2 desc",
      )
    ).rows;
    console.log("");
    console.log(`generation: ${(genMs / 1000).toFixed(1)} s in all`);
    console.log(
      `  deals insert ${(insertMs / 1000).toFixed(1)} s, lines ${(linesMs / 1000).toFixed(1)} s, ` +
        `indexes ${(indexMs / 1000).toFixed(1)} s (${indexes.map((i) => i.name).join(", ")}), analyze ${(analyzeMs / 1000).toFixed(1)} s`,
    );
    console.log(`  deals table with indexes ${size}; trigram index ${trgmSize}`);
    console.log(`  by status: ${byStatus.map((r) => `${r.status} ${Number(r.n).toLocaleString("en")}`).join(", ")}`);

    // 2. The SQL-made normalized names are what the app computes.
    const sample = (
      await raw.query<{ n: string; nn: string }>(
        "select customer_name as n, customer_name_normalized as nn from deals tablesample system (1) limit 2000",
      )
    ).rows;
    const mismatches = sample.filter((r) => normalizeCompanyName(r.n) !== r.nn);
    console.log(
      `normalization check: ${sample.length - mismatches.length}/${sample.length} generated names match normalizeCompanyName()`,
    );
    for (const m of mismatches.slice(0, 5)) console.log(`  ${m.n} → ${normalizeCompanyName(m.n)} (stored ${m.nn})`);

    // Inputs: existing customers (another legal suffix) and customers nobody registered.
    const picks = (
      await raw.query<{ id: string; domain: string; nn: string; country: string; product: string }>(
        `select d.id, d.customer_domain as domain, d.customer_name_normalized as nn, d.country,
                (select l.product_id::text from deal_lines l where l.deal_id = d.id limit 1) as product
           from deals d
          where d.id in (select id from deals
                          where status in ('pending_review', 'changes_requested', 'approved')
                          order by random() limit $1)`,
        [CHECKS + WARMUP],
      )
    ).rows;
    const suffixes = ["Co., Ltd.", "GmbH", "Inc.", "Pty Ltd", "B.V.", "S.A."];
    const existing: MatchQuery[] = picks.map((p, i) => ({
      customerDomain: p.domain,
      customerNameNormalized: normalizeCompanyName(`${p.nn.toUpperCase()} ${suffixes[i % suffixes.length]}`),
      country: p.country,
      productIds: p.product ? [p.product] : [],
    }));
    const rand = (xs: string[]) => xs[Math.floor(Math.random() * xs.length)]!;
    const unknown: MatchQuery[] = Array.from({ length: CHECKS + WARMUP }, (_, i) => {
      const w1 = rand(["zy", "qo", "xu", "vy"]) + rand(SYLLABLES) + rand(SYLLABLES);
      const w2 = rand(SYLLABLES) + rand(["zz", "qx", "yv"]) + rand(SYLLABLES);
      return {
        customerDomain: `${w1}-${w2}-nohit${i}.example`,
        customerNameNormalized: normalizeCompanyName(`${w1} ${w2} ${rand(INDUSTRIES)} ${rand(suffixes)}`),
        country: rand(COUNTRIES),
        productIds: [],
      };
    });

    // 3. The plan of the app's candidate query (the same SQL as findCandidates).
    const showPlan = async (q: MatchQuery) => {
      const plan = await db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('pg_trgm.similarity_threshold', ${String(nameThreshold())}, true)`);
        const r = (await tx.execute(sql`explain (analyze, buffers, costs off)
          select d.id, d.partner_id, d.status, d.customer_domain, d.country,
                 similarity(d.customer_name_normalized, ${q.customerNameNormalized}) as sim,
                 array(select l.product_id::text from deal_lines l where l.deal_id = d.id) as product_ids
            from deals d
           where (d.customer_domain = ${q.customerDomain} or d.customer_name_normalized % ${q.customerNameNormalized})
             and d.status in ('pending_review', 'changes_requested', 'approved')
           order by (d.customer_domain = ${q.customerDomain}) desc, sim desc, d.created_at
           limit 50`)) as unknown as { rows: Record<string, string>[] };
        return r.rows.map((row) => Object.values(row)[0]!);
      });
      console.log("");
      console.log(`plan of the candidate query for "${q.customerNameNormalized}" / ${q.customerDomain}:`);
      for (const line of plan) console.log(`  ${line}`);
      const trgm = plan.find((l) => /Bitmap Index Scan on \w*trgm\w*/.test(l))?.match(/on (\w+)/)?.[1];
      const usesDomain = plan.some((l) => l.includes("deals_domain_idx"));
      const seqScan = plan.some((l) => /Seq Scan on deals\b/.test(l));
      console.log(
        `  → trigram index ${trgm ?? "NOT used"}, domain index ${usesDomain ? "used" : "NOT used"}${seqScan ? ", SEQUENTIAL SCAN" : ""}`,
      );
    };

    // 4. Latency, one at a time, the app's code path.
    const conflictCheck = (q: MatchQuery) =>
      db.transaction(async (tx) => scoreCandidates(q, await findCandidates(tx, q)));
    const timeAll = async <T>(inputs: T[], fn: (x: T) => Promise<unknown>) => {
      for (const x of inputs.slice(0, WARMUP)) await fn(x);
      const out: number[] = [];
      let found = 0;
      for (const x of inputs.slice(WARMUP, WARMUP + CHECKS)) {
        const t = performance.now();
        const r = await fn(x);
        out.push(performance.now() - t);
        if (Array.isArray(r) ? r.length > 0 : !!r) found++;
      }
      return { ms: out, found };
    };
    const ids = picks.map((p) => p.id);
    const measure = async (title: string) => {
      const ex = await timeAll(existing, conflictCheck);
      const un = await timeAll(unknown, conflictCheck);
      const pk = await timeAll(ids, async (id) => (await db.select().from(deals).where(eq(deals.id, id)))[0]);
      const rows = [
        ["conflict check, existing customer", ex],
        ["conflict check, unknown customer", un],
        ["primary-key lookup of one deal", pk],
      ] as const;
      console.log("");
      console.log(`${title}: latency over ${CHECKS} sequential calls each (after ${WARMUP} warm-up calls)`);
      const w = 36;
      console.log(
        `  ${"".padEnd(w)}  ${"p50".padStart(10)}  ${"p95".padStart(10)}  ${"p99".padStart(10)}  ${"max".padStart(10)}  matched`,
      );
      for (const [label, r] of rows) {
        console.log(
          `  ${label.padEnd(w)}  ${fmt(percentile(r.ms, 50)).padStart(10)}  ${fmt(percentile(r.ms, 95)).padStart(10)}  ` +
            `${fmt(percentile(r.ms, 99)).padStart(10)}  ${fmt(Math.max(...r.ms)).padStart(10)}  ${r.found}/${r.ms.length}`,
        );
      }
      const p95 = Math.max(percentile(ex.ms, 95), percentile(un.ms, 95));
      console.log(`  target p95 ≤ 20 ms for the conflict check: ${p95 <= 20 ? "met" : "NOT met"} (${fmt(p95)})`);
      return p95;
    };

    await showPlan(existing[0]!);
    await measure(`the migration's indexes, ${N.toLocaleString("en")} registrations`);

    if (PARTIAL) {
      // What the schema had before migration 0005: one trigram index over every registration, closed ones too.
      const t = performance.now();
      await raw.query("drop index deals_open_name_trgm_idx");
      await raw.query(
        "create index bench_full_name_trgm_idx on deals using gin (customer_name_normalized gin_trgm_ops)",
      );
      await raw.query("analyze deals");
      const fsize = (
        await raw.query<{ s: string }>("select pg_size_pretty(pg_relation_size('bench_full_name_trgm_idx')) as s")
      ).rows[0]!.s;
      console.log("");
      console.log(
        `comparison: a trigram index over all ${N.toLocaleString("en")} registrations ` +
          `(${fsize}, built in ${((performance.now() - t) / 1000).toFixed(1)} s)`,
      );
      await showPlan(existing[0]!);
      await measure("with a full (non-partial) trigram index");
    }
  } finally {
    await close();
  }
}

runBench(main);
