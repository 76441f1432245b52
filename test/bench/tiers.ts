/**
 * `npm run bench:tiers`: tier evaluation over many partners against real PostgreSQL.
 *
 * Provisions its own throwaway PostgreSQL cluster (test/support/postgres.ts),
 * migrates a database, then generates in SQL PARTNERS active partners (tiers
 * mixed), each with an admin and two people, certifications for some of them
 * (one expired, one revoked now and then), four license orders in USD, EUR
 * and JPY paid over the last 15 months (one in seven refunded), three deals
 * (won in and out of the 12 months, or lost) and four lead offers (accepted,
 * declined, expired, pending).
 *
 * Per run (RUNS, medians printed):
 *  - what-if: whatIf over every partner with a draft (Gold relaxed);
 *  - the same figures read one partner at a time (partnerFigures in a loop:
 *    what what-if did before it was set-based);
 *  - the daily job: evaluateAllTiers (tiers, states, history, audit and mails
 *    reset first, so it has changes to write), the job again at the same
 *    moment (nothing left to change), then the same evaluation one
 *    partner per transaction (reevaluatePartnerTier in a loop: the job before
 *    it was set-based), reset likewise.
 *
 *   npm run bench:tiers -- [--partners=2000] [--runs=3]
 */
import { whatIf } from "../../app/modules/tiers/admin.server";
import { arg, benchDatabase, f0, median, runBench } from "./bench-db";
import {
  evaluateAllTiers,
  partnerFigures,
  reevaluatePartnerTier,
  rulesInForce,
} from "../../app/modules/tiers/evaluate.server";

const PARTNERS = arg("partners", 2000);
const RUNS = arg("runs", 3);

process.env.LINK_SIGNING_SECRET ??= "bench-only-link-signing-secret-0123456789abcdef";

const s1 = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main() {
  console.log(`tier benchmark: ${f0(PARTNERS)} partners, ${RUNS} run(s)`);
  const { db, raw, close } = await benchDatabase("bench_tiers", { poolSize: 4 });
  try {
    const tGen = performance.now();
    await raw.query(
      `insert into partners (slug, name, legal_name, primary_domain, country, tier, status)
       select 'bench-' || i, 'Bench Partner ' || i, 'Bench Partner ' || i || ' Ltd', 'bench-' || i || '.test',
              (array['NL','DE','US','JP','AU','FR'])[1 + i % 6],
              (array['registered','silver','gold']::text[])[1 + (i * 7) % 3], 'active'
         from generate_series(1, $1::int) i`,
      [PARTNERS],
    );
    await raw.query(
      `insert into users (email, name, password_hash, role, partner_id)
       select r.kind || '@' || p.primary_domain, initcap(r.kind) || ' of ' || p.name, 'x',
              (case when r.kind = 'admin' then 'partner_admin' else 'partner_user' end)::user_role, p.id
         from partners p, unnest(array['admin', 'ana', 'ben']) r(kind)`,
    );
    // The courses the demo rules name: certifications of Ana (most partners) and Ben (some; one in five expired,
    // one in nine revoked).
    const courseKeys = (
      await raw.query<{ key: string }>("select key from courses where status = 'published' order by key limit 2")
    ).rows.map((r) => r.key);
    if (courseKeys.length === 0) {
      await raw.query(
        `insert into courses (key, version, status, title, summary, audience, estimated_minutes, certification_name, validity_months)
         values ('bench-cert', 1, 'published', 'Bench course', 'About it.', 'technical', 30, 'Bench certified', 24)`,
      );
      courseKeys.push("bench-cert");
    }
    for (const [n, key] of courseKeys.entries()) {
      await raw.query(
        `with e as (
           insert into enrollments (partner_id, user_id, course_key, course_id, completed_at)
           select u.partner_id, u.id, $1, (select id from courses where key = $1 order by version desc limit 1),
                  now() - interval '200 days'
             from users u join partners p on p.id = u.partner_id
            where u.role = 'partner_user' and (hashtext(u.email || $1) % (3 + $2::int)) <> 0
           returning id, partner_id, user_id, course_id)
         insert into certifications (partner_id, user_id, course_key, course_id, enrollment_id, name, earned_at, expires_at, code, status)
         select partner_id, user_id, $1, course_id, id, 'Bench certified ' || $1, now() - interval '200 days',
                case when hashtext(id::text) % 5 = 0 then now() - interval '3 days' else now() + interval '500 days' end,
                md5(id::text),
                (case when hashtext(id::text) % 9 = 0 then 'revoked' else 'active' end)::certification_status
           from e`,
        [key, n],
      );
    }
    await raw.query(
      `insert into exchange_rates (currency, rate_to_base, effective_date) values
         ('EUR', 1.1, current_date - 800), ('EUR', 1.07, current_date - 200),
         ('JPY', 0.0068, current_date - 800)
       on conflict do nothing`,
    );
    await raw.query(
      `insert into license_orders (partner_id, customer_company, customer_domain, customer_country, technical_contact_email,
                                   currency, subtotal_minor, discount_percent, discount_minor, total_minor, tier_at_order,
                                   status, payment_method, paid_at, refunded_at)
       select p.id, 'Customer ' || k, 'c' || k || '-' || p.slug || '.test', 'NL', 'it@c' || k || '-' || p.slug || '.test',
              c.cur::currency, c.amount, 0, 0, c.amount, 'registered',
              (case when hashtext(p.slug || k) % 7 = 0 then 'refunded' when k % 2 = 0 then 'fulfilled' else 'paid' end)::license_order_status,
              'invoice', now() - make_interval(days => abs(hashtext(p.slug || k)) % 450),
              case when hashtext(p.slug || k) % 7 = 0 then now() - interval '1 day' end
         from partners p, generate_series(1, 4) k,
              lateral (select (array['USD','EUR','JPY','USD'])[k] as cur,
                              case when k = 3 then 500000 + abs(hashtext(p.slug)) % 3000000
                                   else 500000 + abs(hashtext(p.slug || k)) % 3000000 end as amount) c`,
    );
    await raw.query(
      `insert into deals (partner_id, customer_name, customer_name_normalized, customer_domain, country, contact_name,
                          contact_email, value_minor, currency, expected_close_date, stage, status, closed_at)
       select p.id, 'Deal ' || k || ' ' || p.slug, 'deal ' || k || ' ' || p.slug, 'd' || k || '-' || p.slug || '.test', 'DE',
              'Erika', 'erika@d' || k || '-' || p.slug || '.test', 1000000, 'EUR', current_date + 30, 'qualification',
              (case when k = 3 then 'lost' else 'won' end)::deal_status,
              now() - make_interval(days => abs(hashtext(p.slug || 'd' || k)) % 500)
         from partners p, generate_series(1, 3) k`,
    );
    await raw.query(
      `with l as (
         insert into leads (source, company_name, company_domain, contact_name, contact_email, country, status, partner_id)
         select 'import', 'Prospect ' || k || ' ' || p.slug, 'l' || k || '-' || p.slug || '.test', 'Pat',
                'pat@l' || k || '-' || p.slug || '.test', p.country, 'offered', p.id
           from partners p, generate_series(1, 4) k
         returning id, partner_id, company_domain)
       insert into lead_offers (lead_id, partner_id, offered_at, accept_by, remind_at, outcome, outcome_at)
       select l.id, l.partner_id, now() - interval '30 days', now() - interval '28 days', now() - interval '29 days',
              o.outcome::offer_outcome, case when o.outcome is not null then now() - interval '29 days' end
         from l, lateral (select (array['accepted','declined','expired',null])[1 + abs(hashtext(l.company_domain)) % 4] as outcome) o`,
    );
    await raw.query("analyze");
    const counts = (
      await raw.query<Record<string, string>>(
        `select (select count(*) from certifications) certifications, (select count(*) from license_orders) orders,
                (select count(*) from deals) deals, (select count(*) from lead_offers) offers`,
      )
    ).rows[0]!;
    console.log(
      `generated in ${((performance.now() - tGen) / 1000).toFixed(1)} s: ${f0(PARTNERS)} partners, ` +
        `${counts.certifications} certifications, ${counts.orders} orders, ${counts.deals} deals, ${counts.offers} offers`,
    );

    const ids = (
      await raw.query<{ id: string }>("select id from partners where status in ('active','approved') order by id")
    ).rows.map((r) => r.id);
    const tiersAtStart = await raw.query<{ id: string; tier: string }>("select id, tier from partners");
    const reset = async () => {
      await raw.query("truncate tier_changes, mail_recipients, mail_messages, partner_tier_states cascade");
      await raw.query("delete from audit_events where action like 'tier.%'");
      await raw.query(
        `update partners p set tier = v.tier from json_to_recordset($1::json) as v(id uuid, tier text) where p.id = v.id`,
        [JSON.stringify(tiersAtStart.rows)],
      );
      await raw.query("vacuum analyze partners");
    };
    const at = new Date();
    const { rules } = await rulesInForce(db, at);
    // The draft: Gold's requirements halved (many would move).
    const draft = {
      ...rules,
      tiers: rules.tiers.map((t) =>
        t.key === "gold"
          ? {
              ...t,
              requirements: {
                ...t.requirements,
                revenueUsdMinor: Math.floor(t.requirements.revenueUsdMinor / 2),
                wonDeals: Math.max(0, t.requirements.wonDeals - 1),
              },
            }
          : t,
      ),
    };

    const times: Record<string, number[]> = {
      whatIf: [],
      perPartnerFigures: [],
      daily: [],
      dailyNoChange: [],
      dailyPerPartner: [],
    };
    for (let run = 1; run <= RUNS; run++) {
      let t = performance.now();
      const preview = await whatIf(db, draft, at);
      times.whatIf!.push(performance.now() - t);
      const moving = preview.filter((r) => r.movement !== "unchanged").length;

      t = performance.now();
      for (const id of ids) await partnerFigures(db, id, at);
      times.perPartnerFigures!.push(performance.now() - t);

      await reset();
      t = performance.now();
      const daily = await evaluateAllTiers(db, at);
      times.daily!.push(performance.now() - t);
      const written = (
        await raw.query<{ changes: string; mails: string }>(
          "select (select count(*) from tier_changes) changes, (select count(*) from mail_messages) mails",
        )
      ).rows[0]!;
      // Once more at the same moment: nothing left to change (the job's usual day).
      t = performance.now();
      const again = await evaluateAllTiers(db, at);
      times.dailyNoChange!.push(performance.now() - t);
      if (again.changed !== 0) throw new Error(`the second daily job changed ${again.changed} partners`);

      await reset();
      t = performance.now();
      let changedOne = 0;
      for (const id of ids) {
        const r = await db.transaction((tx) => reevaluatePartnerTier(tx, { partnerId: id, at, reason: "daily" }));
        if (r?.changes.length) changedOne++;
      }
      times.dailyPerPartner!.push(performance.now() - t);
      await reset();
      console.log(
        `  run ${run}: what-if ${s1(times.whatIf!.at(-1)!)} (${f0(moving)} would move); figures one partner at a time ` +
          `${s1(times.perPartnerFigures!.at(-1)!)}; daily job ${s1(times.daily!.at(-1)!)} (${daily.changed} changed, ` +
          `${written.changes} changes, ${written.mails} mails), again with nothing to change ` +
          `${s1(times.dailyNoChange!.at(-1)!)}; one partner per transaction ` +
          `${s1(times.dailyPerPartner!.at(-1)!)} (${changedOne} changed)`,
      );
    }
    console.log(
      `median of ${RUNS}: what-if ${s1(median(times.whatIf!))}, figures one partner at a time ` +
        `${s1(median(times.perPartnerFigures!))}; daily job ${s1(median(times.daily!))} ` +
        `(nothing to change: ${s1(median(times.dailyNoChange!))}), ` +
        `one partner per transaction ${s1(median(times.dailyPerPartner!))}`,
    );
  } finally {
    await close();
  }
}

runBench(main);
