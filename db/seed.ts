import { count } from "drizzle-orm";
import { hashPassword } from "../app/modules/auth/password.server";
import { newToken } from "../app/modules/auth/tokens.server";
import type { Db } from "./client";
import { seedDeals } from "./seed-deals";
import { seedLeads } from "./seed-leads";
import { seedLicensing } from "./seed-licensing";
import { seedTiers } from "./seed-tiers";
import { seedTraining } from "./seed-training";
import {
  agreementAcceptances,
  agreements,
  applicationMessages,
  applicationNotes,
  applications,
  partnerNotes,
  partners,
  users,
} from "./schema";

export const DEMO_PASSWORD = "portal-demo";

interface DemoPartner {
  slug: string;
  name: string;
  legalName: string;
  country: string;
  region: string;
  territories: string[];
  specializations: string[];
  tier: "registered" | "silver" | "gold";
  staff: { local: string; name: string }[];
  ownerName: string;
  businessType: "reseller" | "distributor" | "managed_service_provider" | "systems_integrator";
  street: string;
  city: string;
  postalCode: string;
  phone: string;
  description: string;
  listed: boolean;
}

export const demoPartners: DemoPartner[] = [
  {
    slug: "sakura-mail",
    name: "Sakura Mail Systems",
    legalName: "Sakura Mail Systems K.K.",
    country: "JP",
    region: "Tokyo",
    territories: ["JP"],
    specializations: ["mail-relay", "secure-messaging"],
    tier: "gold",
    ownerName: "Haruto Sato",
    businessType: "reseller",
    street: "2-7-1 Marunouchi, Chiyoda-ku",
    city: "Tokyo",
    postalCode: "100-0005",
    phone: "+81 3 5555 0101",
    description: "Mail relay and secure messaging for Japanese enterprises and public agencies since 2004.",
    listed: true,
    staff: [
      { local: "yui.tanaka", name: "Yui Tanaka" },
      { local: "kenji.watanabe", name: "Kenji Watanabe" },
    ],
  },
  {
    slug: "southern-cross",
    name: "Southern Cross Messaging",
    legalName: "Southern Cross Messaging Pty Ltd",
    country: "AU",
    region: "New South Wales",
    territories: ["AU", "NZ"],
    specializations: ["anti-spam-gateway"],
    tier: "silver",
    ownerName: "Olivia Nguyen",
    businessType: "managed_service_provider",
    street: "Level 12, 1 Market Street",
    city: "Sydney",
    postalCode: "2000",
    phone: "+61 2 5550 1234",
    description: "Managed anti-spam gateways for Australian and New Zealand businesses, hosted onshore.",
    listed: true,
    staff: [{ local: "jack.wilson", name: "Jack Wilson" }],
  },
  {
    slug: "polder-relay",
    name: "Polder Relay",
    legalName: "Polder Relay B.V.",
    country: "NL",
    region: "Noord-Holland",
    territories: ["NL", "BE", "LU"],
    specializations: ["mail-relay", "anti-spam-gateway"],
    tier: "gold",
    ownerName: "Sanne de Vries",
    businessType: "distributor",
    street: "Keizersgracht 123",
    city: "Amsterdam",
    postalCode: "1015 CJ",
    phone: "+31 20 555 0199",
    description:
      "Distributor for the Benelux: relay, anti-spam and migration projects with a network of local resellers.",
    listed: true,
    staff: [
      { local: "daan.bakker", name: "Daan Bakker" },
      { local: "emma.visser", name: "Emma Visser" },
    ],
  },
  {
    slug: "brussels-secure",
    name: "Brussels Secure Mail",
    legalName: "Brussels Secure Mail BV",
    country: "BE",
    region: "Brussels-Capital",
    territories: ["BE"],
    specializations: ["secure-messaging"],
    tier: "registered",
    ownerName: "Lucas Peeters",
    businessType: "systems_integrator",
    street: "Rue de la Loi 42",
    city: "Brussels",
    postalCode: "1040",
    phone: "+32 2 555 01 23",
    description: "Secure messaging for EU institutions and regulated industries.",
    listed: false,
    staff: [{ local: "lea.janssens", name: "Léa Janssens" }],
  },
  {
    slug: "liberty-mailworks",
    name: "Liberty Mailworks",
    legalName: "Liberty Mailworks Inc.",
    country: "US",
    region: "Colorado",
    territories: ["US", "CA"],
    specializations: ["mail-relay", "managed-services"],
    tier: "silver",
    ownerName: "Michael Johnson",
    businessType: "reseller",
    street: "1600 Champa Street",
    city: "Denver",
    postalCode: "80202",
    phone: "+1 303 555 0142",
    description: "Mail relay and managed mail services across the United States and Canada.",
    listed: true,
    staff: [
      { local: "ashley.brown", name: "Ashley Brown" },
      { local: "david.miller", name: "David Miller" },
    ],
  },
  {
    slug: "rheinmail",
    name: "Rheinmail",
    legalName: "Rheinmail GmbH",
    country: "DE",
    region: "Nordrhein-Westfalen",
    territories: ["DE", "AT", "CH"],
    specializations: ["secure-messaging", "mail-relay"],
    tier: "registered",
    ownerName: "Lukas Schmidt",
    businessType: "reseller",
    street: "Rheinallee 8",
    city: "Düsseldorf",
    postalCode: "40213",
    phone: "+49 211 5550 188",
    description: "Encrypted mail and relay deployments for German Mittelstand companies.",
    listed: false,
    staff: [{ local: "anna.mueller", name: "Anna Müller" }],
  },
];

export const demoSignIns = [
  { email: "admin@vendor.test", role: "vendor_admin" },
  { email: "sales@vendor.test", role: "channel_manager" },
  { email: "claire@vendor.test", role: "channel_manager" },
  ...demoPartners.map((p) => ({ email: `owner@${p.slug}.test`, role: `partner_admin (${p.name})` })),
];

const DAY = 86_400_000;

const AGREEMENT_V1 = `This agreement is between the vendor and the partner company named in the partner's portal profile.

## 1. Appointment
The vendor appoints the partner as a non-exclusive reseller of the vendor's commercial mail server editions in the
territories listed in the partner's profile.

## 2. Deal registration
The partner registers its opportunities in the portal. An approved registration is protected for the period stated by
the programme (90 days unless the partner's tier says otherwise).

## 3. Leads
Leads offered to the partner are accepted or declined within the stated time. Accepted leads are worked in good faith
and their outcome is recorded in the portal.

## 4. Licenses
License keys are issued to the partner's end customers only after payment. The partner does not resell keys to other
resellers.

## 5. Confidentiality and data protection
Each party keeps the other's confidential information confidential and processes personal data only as needed for
the programme, in line with applicable law.

## 6. Term
This agreement runs until either party ends it with 30 days' written notice.
`;

interface DemoApplication {
  companyName: string;
  legalName: string;
  domain: string;
  country: string;
  region: string;
  address: string;
  registrationId: string;
  businessType: DemoPartner["businessType"];
  specializations: string[];
  volume: number;
  contactName: string;
  contactEmail: string;
  phone: string;
  status: "submitted" | "info_requested" | "rejected";
  daysAgo: number;
  question?: string;
  reason?: string;
  note?: string;
}

const demoApplications: DemoApplication[] = [
  {
    companyName: "Kiwi Relay",
    legalName: "Kiwi Relay Limited",
    domain: "kiwi-relay.test",
    country: "NZ",
    region: "Auckland",
    address: "12 Queen Street\nAuckland 1010",
    registrationId: "NZBN 9429041234567",
    businessType: "reseller",
    specializations: ["mail-relay", "anti-spam-gateway"],
    volume: 120_000,
    contactName: "Aroha Parata",
    contactEmail: "aroha@kiwi-relay.test",
    phone: "+64 9 555 0147",
    status: "submitted",
    daysAgo: 2,
    note: "Met at the Auckland roadshow; strong anti-spam references.",
  },
  {
    companyName: "Nordlys Mail",
    legalName: "Nordlys Mail AS",
    domain: "nordlys-mail.test",
    country: "NO",
    region: "Oslo",
    address: "Karl Johans gate 5\n0154 Oslo",
    registrationId: "NO 923 456 789 MVA",
    businessType: "systems_integrator",
    specializations: ["secure-messaging", "migration"],
    volume: 60_000,
    contactName: "Ingrid Halvorsen",
    contactEmail: "ingrid@nordlys-mail.test",
    phone: "+47 22 55 50 10",
    status: "info_requested",
    daysAgo: 5,
    question: "Could you tell us which mail platforms your team has migrated customers from in the last year?",
  },
  {
    companyName: "Maple Secure Messaging",
    legalName: "Maple Secure Messaging Inc.",
    domain: "maple-secure.test",
    country: "CA",
    region: "Ontario",
    address: "100 King Street West\nToronto, ON M5X 1A9",
    registrationId: "BN 123456789RC0001",
    businessType: "managed_service_provider",
    specializations: ["managed-services", "compliance-archiving"],
    volume: 250_000,
    contactName: "Owen Tremblay",
    contactEmail: "owen.tremblay@freemail.test",
    phone: "+1 416 555 0199",
    status: "submitted",
    daysAgo: 0,
  },
  {
    companyName: "Bulk Blast Marketing",
    legalName: "Bulk Blast Marketing LLC",
    domain: "bulk-blast.test",
    country: "US",
    region: "Nevada",
    address: "500 Fremont Street\nLas Vegas, NV 89101",
    registrationId: "NV20231234567",
    businessType: "reseller",
    specializations: ["mail-relay"],
    volume: 5_000,
    contactName: "Chad Miller",
    contactEmail: "chad@bulk-blast.test",
    phone: "+1 702 555 0100",
    status: "rejected",
    daysAgo: 20,
    reason: "Our programme does not cover bulk marketing senders.",
  },
];

/** Fills an empty database with a believable demo world. Refuses in production; does nothing when users exist. */
export async function seedDemo(db: Db, env: { NODE_ENV?: string } = process.env): Promise<boolean> {
  if (env.NODE_ENV === "production") throw new Error("The demo seed refuses to run with NODE_ENV=production.");
  const [existing] = await db.select({ n: count() }).from(users);
  if ((existing?.n ?? 0) > 0) return false;
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const now = Date.now();
  await db.transaction(async (tx) => {
    const [admin, sales, claire] = await tx
      .insert(users)
      .values([
        { email: "admin@vendor.test", name: "Avery Admin", role: "vendor_admin", passwordHash },
        { email: "sales@vendor.test", name: "Sam Sales", role: "channel_manager", passwordHash },
        { email: "claire@vendor.test", name: "Claire Dubois", role: "channel_manager", passwordHash },
      ])
      .returning({ id: users.id });
    const [agreement] = await tx
      .insert(agreements)
      .values({
        version: 1,
        title: "Partner Programme Agreement 2026",
        body: AGREEMENT_V1,
        effectiveAt: new Date(now - 300 * DAY),
        graceDays: 30,
        publishedBy: admin!.id,
        publishedAt: new Date(now - 301 * DAY),
      })
      .returning({ id: agreements.id });
    /** Partner staff (each owner, then their staff), in the demo partners' order: demo training progress. */
    const trainees: { id: string; partnerId: string; email: string }[] = [];
    /** Each demo partner and its owner (the partner admin), who registered its demo deals. */
    const dealPartners: { id: string; slug: string; ownerId: string }[] = [];
    for (const [i, p] of demoPartners.entries()) {
      const apac = p.country === "JP" || p.country === "AU";
      const [row] = await tx
        .insert(partners)
        .values({
          slug: p.slug,
          name: p.name,
          legalName: p.legalName,
          website: `https://www.${p.slug}.test`,
          primaryDomain: `${p.slug}.test`,
          country: p.country,
          region: p.region,
          territories: p.territories,
          specializations: p.specializations,
          tier: p.tier,
          status: "active",
          agreementVersion: 1,
          businessType: p.businessType,
          phone: p.phone,
          description: p.description,
          listedInLocator: p.listed,
          ownerUserId: apac ? sales!.id : claire!.id,
          addresses: [
            {
              label: "Head office",
              street: p.street,
              city: p.city,
              postalCode: p.postalCode,
              region: p.region,
              country: p.country,
            },
          ],
          contacts: [
            { role: "sales", name: p.ownerName, email: `owner@${p.slug}.test`, phone: p.phone },
            { role: "technical", name: p.staff[0]!.name, email: `${p.staff[0]!.local}@${p.slug}.test`, phone: p.phone },
          ],
          createdAt: new Date(now - (400 - i * 20) * DAY),
        })
        .returning({ id: partners.id });
      const people = await tx
        .insert(users)
        .values([
          { email: `owner@${p.slug}.test`, name: p.ownerName, role: "partner_admin", partnerId: row!.id, passwordHash },
          ...p.staff.map((s) => ({
            email: `${s.local}@${p.slug}.test`,
            name: s.name,
            role: "partner_user" as const,
            partnerId: row!.id,
            passwordHash,
          })),
        ])
        .returning({ id: users.id, email: users.email });
      const owner = people[0];
      dealPartners.push({ id: row!.id, slug: p.slug, ownerId: owner!.id });
      trainees.push(...people.map((u) => ({ id: u.id, partnerId: row!.id, email: u.email })));
      await tx.insert(agreementAcceptances).values({
        agreementId: agreement!.id,
        version: 1,
        partnerId: row!.id,
        userId: owner!.id,
        acceptedAt: new Date(now - (290 - i * 7) * DAY),
        ip: "203.0.113.10",
        userAgent: "Mozilla/5.0 (demo data)",
      });
      if (p.slug === "brussels-secure") {
        await tx.insert(partnerNotes).values({
          partnerId: row!.id,
          authorId: claire!.id,
          body: "Interested in moving to Silver; two engineers booked on the secure relay course.",
          createdAt: new Date(now - 10 * DAY),
        });
      }
    }
    await seedTraining(tx, { now: new Date(now), authorId: admin!.id, people: trainees });
    await seedDeals(tx, { now: new Date(now), partners: dealPartners, vendorReviewerId: sales!.id });
    await seedLeads(tx, { now: new Date(now), adminId: admin!.id, salesId: sales!.id, partners: dealPartners });
    await seedLicensing(tx, { now: new Date(now), partners: dealPartners, vendorAdminId: admin!.id });
    await seedTiers(tx, { now: new Date(now), partners: dealPartners, adminId: admin!.id });
    for (const a of demoApplications) {
      const created = new Date(now - a.daysAgo * DAY - 3 * 3_600_000);
      const [app] = await tx
        .insert(applications)
        .values({
          status: a.status,
          companyName: a.companyName,
          legalName: a.legalName,
          website: `https://www.${a.domain}`,
          primaryDomain: a.domain,
          country: a.country,
          region: a.region,
          address: a.address,
          registrationId: a.registrationId,
          businessType: a.businessType,
          specializations: a.specializations,
          expectedAnnualVolume: a.volume,
          contactName: a.contactName,
          contactEmail: a.contactEmail,
          contactPhone: a.phone,
          contactDomainMismatch: !a.contactEmail.endsWith(`@${a.domain}`),
          privacyAcceptedAt: created,
          // The demo applicants' status links are not known to anyone: the token is thrown away.
          statusTokenHash: newToken().hash,
          ip: "198.51.100.23",
          userAgent: "Mozilla/5.0 (demo data)",
          decidedBy: a.status === "rejected" ? admin!.id : null,
          decidedAt: a.status === "rejected" ? new Date(created.getTime() + DAY) : null,
          decisionReason: a.reason ?? null,
          createdAt: created,
          updatedAt: created,
        })
        .returning({ id: applications.id });
      if (a.question) {
        await tx.insert(applicationMessages).values({
          applicationId: app!.id,
          direction: "to_applicant",
          authorId: sales!.id,
          body: a.question,
          createdAt: new Date(created.getTime() + DAY),
        });
      }
      if (a.note) {
        await tx.insert(applicationNotes).values({
          applicationId: app!.id,
          authorId: sales!.id,
          body: a.note,
          createdAt: new Date(created.getTime() + 3_600_000),
        });
      }
    }
  });
  return true;
}
