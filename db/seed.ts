import { count } from "drizzle-orm";
import { hashPassword } from "../app/modules/auth/password.server";
import type { Db } from "./client";
import { partners, users } from "./schema";

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
    staff: [{ local: "anna.mueller", name: "Anna Müller" }],
  },
];

export const demoSignIns = [
  { email: "admin@vendor.test", role: "vendor_admin" },
  { email: "sales@vendor.test", role: "channel_manager" },
  ...demoPartners.map((p) => ({ email: `owner@${p.slug}.test`, role: `partner_admin (${p.name})` })),
];

/** Fills an empty database with a believable demo world. Refuses in production; does nothing when users exist. */
export async function seedDemo(db: Db, env: { NODE_ENV?: string } = process.env): Promise<boolean> {
  if (env.NODE_ENV === "production") throw new Error("The demo seed refuses to run with NODE_ENV=production.");
  const [existing] = await db.select({ n: count() }).from(users);
  if ((existing?.n ?? 0) > 0) return false;
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  await db.transaction(async (tx) => {
    await tx.insert(users).values([
      { email: "admin@vendor.test", name: "Avery Admin", role: "vendor_admin", passwordHash },
      { email: "sales@vendor.test", name: "Sam Sales", role: "channel_manager", passwordHash },
    ]);
    for (const p of demoPartners) {
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
        })
        .returning({ id: partners.id });
      await tx.insert(users).values([
        { email: `owner@${p.slug}.test`, name: p.ownerName, role: "partner_admin", partnerId: row!.id, passwordHash },
        ...p.staff.map((s) => ({
          email: `${s.local}@${p.slug}.test`,
          name: s.name,
          role: "partner_user" as const,
          partnerId: row!.id,
          passwordHash,
        })),
      ]);
    }
  });
  return true;
}
