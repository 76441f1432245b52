/**
 * `npm run bench:leads`: bulk lead routing against real PostgreSQL.
 *
 * Provisions its own throwaway PostgreSQL cluster (test/support/postgres.ts),
 * migrates a database, then generates in SQL:
 *  - PARTNERS active partners over 40 countries (own country as territory;
 *    one in five also serves the next country; US partners partly a state),
 *    specializations and tiers mixed, one partner admin each (so every offer
 *    queues a "lead-offer" mail), a valid certification for one in four;
 *  - rules: a territory map (NZ → AU, LU → BE/NL), a product rule requiring a
 *    specialization, the certification and silver; capacity 100 per partner;
 *  - a few public holidays per country;
 *  - LEADS new leads spread over the countries, a third with a product.
 *
 * Then, per run (reset in between): routes ALL leads with routeLeads (bulk,
 * explanations stored; on PostgreSQL two chunk transactions at once, so the
 * pool has 4 connections) and measures leads/s; then routes a SAMPLE one at a
 * time through routeLead (the per-lead path, own transaction each) and
 * extrapolates its rate. Prints both, their ratio, and the median over RUNS.
 * With --no-users the partners' users are deactivated first (no offer mails:
 * shows what queueing the offer mails costs; they are rendered at delivery).
 *
 *   npm run bench:leads -- [--leads=100000] [--partners=2000] [--sample=2000] [--runs=1] [--no-users] [--both]
 *
 * --both measures with partner users, then without, in the same run.
 * Target: bulk ≥ 5,000 leads/s.
 */
import type { Ctx } from "../../app/modules/auth/actor";
import { routeLead, routeLeads } from "../../app/modules/leads/route.server";
import { arg, benchDatabase, f0, median, runBench } from "./bench-db";

const LEADS = arg("leads", 100_000);
const PARTNERS = arg("partners", 2000);
const SAMPLE = Math.min(arg("sample", 2000), LEADS);
const RUNS = arg("runs", 1);
const BOTH = process.argv.includes("--both");
const NO_USERS = process.argv.includes("--no-users");

process.env.LINK_SIGNING_SECRET ??= "bench-only-link-signing-secret-0123456789abcdef";

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
  "IE",
  "PT",
  "PL",
  "CZ",
  "NO",
  "HU",
  "GR",
  "RO",
  "TR",
  "IL",
  "AE",
  "ZA",
  "IN",
  "MY",
  "TH",
  "KR",
  "TW",
  "HK",
  "BR",
  "MX",
  "AR",
  "LU",
];
const SPECS = [
  "mail-relay",
  "anti-spam-gateway",
  "secure-messaging",
  "managed-services",
  "migration",
  "compliance-archiving",
];
const arr = (xs: string[]) => `ARRAY[${xs.map((x) => `'${x}'`).join(",")}]::text[]`;
const rate = (n: number, ms: number) => (n / ms) * 1000;

async function main() {
  console.log(`lead routing benchmark: ${f0(LEADS)} leads, ${f0(PARTNERS)} partners, per-lead sample ${f0(SAMPLE)}`);
  const { db, raw, close } = await benchDatabase("bench_leads", { poolSize: 4 });
  try {
    const tGen = performance.now();
    await raw.query(
      `insert into partners (slug, name, legal_name, primary_domain, country, region, territories, specializations, tier, status)
       select 'bench-' || i, 'Bench Partner ' || i, 'Bench Partner ' || i || ' Ltd', 'bench-' || i || '.test',
              c, case when c = 'US' and i % 3 = 0 then 'US-CO' end,
              case when c = 'US' and i % 3 = 0 then array['US-CO']
                   when i % 5 = 0 then array[c, (${arr(COUNTRIES)})[1 + (i + 1) % ${COUNTRIES.length}]]
                   else array[c] end,
              array[(${arr(SPECS)})[1 + i % ${SPECS.length}], (${arr(SPECS)})[1 + (i / 7) % ${SPECS.length}]],
              (array['registered','silver','gold']::text[])[1 + (i * 7) % 3],
              'active'
         from generate_series(1, $1::int) i,
              lateral (select (${arr(COUNTRIES)})[1 + i % ${COUNTRIES.length}] as c) x`,
      [PARTNERS],
    );
    await raw.query(
      `insert into users (email, name, password_hash, role, partner_id)
       select 'admin@' || p.primary_domain, 'Admin of ' || p.name, 'x', 'partner_admin', p.id from partners p`,
    );
    await raw.query(
      `insert into users (email, name, password_hash, role) values
         ('cm@vendor.test', 'Channel Manager', 'x', 'channel_manager'),
         ('admin@vendor.test', 'Vendor Admin', 'x', 'vendor_admin')`,
    );
    // A certification for one partner in four.
    await raw.query(
      `insert into courses (key, version, status, title, summary, audience, estimated_minutes, certification_name, validity_months)
       values ('bench-cert', 1, 'published', 'Bench course', 'About it.', 'technical', 30, 'Bench certified', 24)`,
    );
    await raw.query(
      `with e as (
         insert into enrollments (partner_id, user_id, course_key, course_id, completed_at)
         select u.partner_id, u.id, 'bench-cert', (select id from courses where key = 'bench-cert'), now() - interval '30 days'
           from users u join partners p on p.id = u.partner_id
          where (hashtext(p.slug) % 4) = 0
         returning id, partner_id, user_id, course_id)
       insert into certifications (partner_id, user_id, course_key, course_id, enrollment_id, name, earned_at, expires_at, code)
       select partner_id, user_id, 'bench-cert', course_id, id, 'Bench certified', now() - interval '30 days',
              now() + interval '700 days', md5(id::text)
         from e`,
    );
    const productRow = (await raw.query<{ id: string }>("select id from products order by sku limit 1")).rows[0]!;
    const rules = {
      territoryMap: [
        { area: "NZ", servedBy: ["AU"] },
        { area: "LU", servedBy: ["BE", "NL"] },
      ],
      productRules: [
        {
          productId: productRow.id,
          specialization: "secure-messaging",
          certification: "bench-cert",
          minimumTier: "silver",
        },
      ],
      minimumTier: "registered",
      requiredCertification: null,
      defaultCapacity: 100,
      weights: { tier: 3, acceptanceRate: 3, timeToAccept: 2, winRate: 2 },
      slaBusinessDays: 2,
      workdayStartHour: 9,
      workdayEndHour: 17,
      maxOffers: 3,
    };
    await raw.query("insert into routing_rules (version, rules, note) values (2, $1, 'bench')", [
      JSON.stringify(rules),
    ]);
    await raw.query(
      `insert into public_holidays (country, date, name)
       select c, current_date + d, 'Bench holiday ' || d
         from unnest(${arr(COUNTRIES)}) c, unnest(array[3, 10, 24]) d`,
    );
    await raw.query(
      `insert into leads (source, company_name, company_domain, contact_name, contact_email, country, region, product_id, seats, message)
       select 'import', 'Prospect ' || i, 'prospect-' || i || '.test', 'Contact ' || i, 'contact@prospect-' || i || '.test',
              c, case when c = 'US' and i % 2 = 0 then 'US-CO' end,
              case when i % 3 = 0 then (select id from products order by sku limit 1 offset (i / 3) % 5) end,
              10 + i % 500, 'We would like a quote for ' || (10 + i % 500) || ' mailboxes.'
         from generate_series(1, $1::int) i,
              lateral (select (${arr(COUNTRIES)})[1 + (i * 7) % ${COUNTRIES.length}] as c) x`,
      [LEADS],
    );
    await raw.query("analyze");
    console.log(`generated in ${((performance.now() - tGen) / 1000).toFixed(1)} s`);

    const ids = (await raw.query<{ id: string }>("select id from leads order by number")).rows.map((r) => r.id);
    const cm = (await raw.query<{ id: string }>("select id from users where email = 'cm@vendor.test'")).rows[0]!;
    const ctx = (): Ctx => ({
      db,
      actor: { userId: cm.id, label: "cm@vendor.test", role: "channel_manager", partnerId: null, ip: null },
    });

    const reset = async () => {
      await raw.query(
        "truncate lead_offers, routing_decisions, routing_explanations, lead_events, mail_recipients, mail_messages cascade",
      );
      await raw.query("delete from audit_events where action like 'lead.%'");
      await raw.query(
        `update leads set status = 'new', partner_id = null, current_offer_id = null, offer_count = 0,
                          needs_attention = false, attention_reason = null`,
      );
      await raw.query("vacuum analyze leads");
    };

    const check = async () => {
      const over = (
        await raw.query<{ n: string }>(
          `select count(*) as n from (
             select l.partner_id, count(*) c from leads l
              where l.status in ('offered','accepted','contacted','meeting','qualified','proposal') group by l.partner_id
             having count(*) > 100) x`,
        )
      ).rows[0]!.n;
      const size = (
        await raw.query<{ s: string; avg: string; explanations: number }>(
          `select pg_size_pretty(pg_total_relation_size('routing_decisions') + pg_total_relation_size('routing_explanations')) s,
                  (select count(*) from routing_explanations)::int explanations,
                  (select avg(pg_column_size(candidates))::int from routing_explanations) avg`,
        )
      ).rows[0]!;
      return {
        overCapacity: Number(over),
        decisionsSize: size.s,
        avgCandidatesBytes: size.avg,
        explanations: size.explanations,
      };
    };

    const measure = async (label: string) => {
      const bulk: number[] = [];
      const single: number[] = [];
      for (let run = 1; run <= RUNS; run++) {
        await reset();
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        const r = await routeLeads(ctx(), ids);
        const ms = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        bulk.push(rate(ids.length, ms));
        const c = await check();
        const t = r.timings;
        console.log(
          `  [${label}] run ${run} bulk: ${f0(ids.length)} leads in ${(ms / 1000).toFixed(1)} s = ${f0(rate(ids.length, ms))} leads/s ` +
            `(offered ${f0(r.offered)}, no partner ${f0(r.noPartner)}, skipped ${r.skipped}; over capacity: ${c.overCapacity})`,
        );
        console.log(
          `      Node's CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s of the ${(ms / 1000).toFixed(1)} s; ` +
            `summed over the chunks (two run at once on PostgreSQL): load ${(t.loadMs / 1000).toFixed(1)} s, ` +
            `decide and prepare ${(t.decideMs / 1000).toFixed(1)} s (the database writing meanwhile), ` +
            `then waiting for the writes ${(t.writeMs / 1000).toFixed(1)} s; ${f0(t.mails)} mails` +
            `; decisions and explanations ${c.decisionsSize}: ${f0(c.explanations)} distinct candidate lists ` +
            `(${c.avgCandidatesBytes} B each stored) for ${f0(ids.length)} decisions`,
        );
        await reset();
        const sample = ids.slice(0, SAMPLE);
        const t1 = performance.now();
        for (const id of sample) await routeLead(ctx(), id);
        const ms1 = performance.now() - t1;
        single.push(rate(sample.length, ms1));
        console.log(
          `  [${label}] run ${run} per-lead: ${f0(sample.length)} leads in ${(ms1 / 1000).toFixed(1)} s = ` +
            `${f0(rate(sample.length, ms1))} leads/s (extrapolated to ${f0(ids.length)}: ${(ids.length / rate(sample.length, ms1)).toFixed(0)} s)`,
        );
      }
      const b = median(bulk);
      const s = median(single);
      console.log(
        `[${label}] median of ${RUNS}: bulk ${f0(b)} leads/s, per-lead ${f0(s)} leads/s, ratio ${(b / s).toFixed(1)}×; ` +
          `target ≥ 5,000 leads/s: ${b >= 5000 ? "met" : "NOT met"}`,
      );
    };

    if (!NO_USERS) await measure("with partner admins (offer mails queued)");
    if (NO_USERS || BOTH) {
      await raw.query("update users set status = 'deactivated' where partner_id is not null");
      await measure("without partner users (no offer mails)");
    }
  } finally {
    await close();
  }
}

runBench(main);
