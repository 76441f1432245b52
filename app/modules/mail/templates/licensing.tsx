import { Button, Link, Section, Text } from "@react-email/components";
import type { ReactElement } from "react";
import { buttonStyle, MailLayout, quoteStyle, textStyle } from "./layout";

/**
 * License fulfillment's notifications (registered in index.tsx): key
 * delivery (critical, to the partner's people and to the end customer's
 * technical contact), notices about an order or a license (payment failed,
 * refund, revocation, cancellation) and renewal reminders.
 */
export interface LicensingTemplateData {
  /** The signed keys of an order: one mail to the partner's people, one to the end customer's technical contact. */
  "license-keys": {
    audience: "partner" | "customer";
    /** The partner's name (the reseller the customer bought from). */
    partnerName: string;
    customerCompany: string;
    orderRef: string;
    licenses: { product: string; seats: string; validUntil: string; key: string }[];
    /** The order in the portal (partner mails only). */
    orderUrl: string | null;
    /** The public key and the verify page. */
    verifyUrl: string;
    /** A copy sent again on request. */
    resent: boolean;
  };
  /** Something happened to an order or a license that its partner must know (refund, revocation, failed payment). */
  "license-notice": {
    partnerName: string;
    customerCompany: string;
    headline: string;
    message: string;
    url: string;
  };
  /** A term license ends soon: 60, 30 and 7 days before. */
  "license-renewal": {
    partnerName: string;
    customerCompany: string;
    product: string;
    seats: string;
    validUntil: string;
    daysLeft: number;
    renewUrl: string;
  };
}

type LicensingName = keyof LicensingTemplateData;
type Definition<K extends LicensingName> = {
  label: string;
  subject: (d: LicensingTemplateData[K]) => string;
  body: (d: LicensingTemplateData[K], portalUrl: string) => ReactElement;
  security: boolean;
};

const keyStyle = {
  fontFamily: "Menlo, Consolas, monospace",
  fontSize: "12px",
  lineHeight: "16px",
  wordBreak: "break-all" as const,
  backgroundColor: "#f1f5f9",
  padding: "8px",
  borderRadius: "4px",
  color: "#0f172a",
};

export const licensingTemplates: { [K in LicensingName]: Definition<K> } = {
  "license-keys": {
    label: "License keys",
    // Delivery of what was paid for: cannot be turned off.
    security: true,
    subject: (d) => `${d.resent ? "(Copy) " : ""}License keys for ${d.customerCompany} — order ${d.orderRef}`,
    body: (d, portalUrl) => (
      <MailLayout
        preview={`${d.licenses.length} license key${d.licenses.length === 1 ? "" : "s"} for ${d.customerCompany}`}
        portalUrl={portalUrl}
        reason={
          d.audience === "customer"
            ? `You receive this mail because ${d.partnerName} named this address as the technical contact for these licenses`
            : undefined
        }
      >
        <Text style={textStyle}>Hello,</Text>
        <Text style={textStyle}>
          {d.audience === "customer"
            ? `Your licenses, ordered through ${d.partnerName}, are ready.`
            : `The licenses of order ${d.orderRef} for ${d.customerCompany} are issued.`}{" "}
          Paste each key into the product's configuration; it is checked offline with the vendor's public key.
        </Text>
        {d.licenses.map((l, i) => (
          <Section key={i}>
            <Text style={{ ...textStyle, fontWeight: 600, margin: "12px 0 4px" }}>
              {l.product} — {l.seats}, {l.validUntil}
            </Text>
            <Text style={keyStyle}>{l.key}</Text>
          </Section>
        ))}
        {d.orderUrl ? (
          <Button href={d.orderUrl} style={buttonStyle}>
            Open the order
          </Button>
        ) : null}
        <Text style={textStyle}>
          Check a key: <Link href={d.verifyUrl}>{d.verifyUrl}</Link>
        </Text>
      </MailLayout>
    ),
  },
  "license-notice": {
    label: "License orders and licenses",
    security: false,
    subject: (d) => `${d.customerCompany}: ${d.headline}`,
    body: (d, portalUrl) => (
      <MailLayout preview={`${d.customerCompany}: ${d.headline}`} portalUrl={portalUrl}>
        <Text style={textStyle}>Hello {d.partnerName},</Text>
        <Text style={textStyle}>
          {d.customerCompany}: {d.headline}.
        </Text>
        {d.message ? <Text style={quoteStyle}>{d.message}</Text> : null}
        <Button href={d.url} style={buttonStyle}>
          Open it in the portal
        </Button>
      </MailLayout>
    ),
  },
  "license-renewal": {
    label: "License renewal reminders",
    security: false,
    subject: (d) => `${d.customerCompany}: ${d.product} ends in ${d.daysLeft} day${d.daysLeft === 1 ? "" : "s"}`,
    body: (d, portalUrl) => (
      <MailLayout preview={`Renew ${d.product} for ${d.customerCompany}`} portalUrl={portalUrl}>
        <Text style={textStyle}>Hello {d.partnerName},</Text>
        <Text style={textStyle}>
          The license of {d.customerCompany} for {d.product} ({d.seats}) ends on {d.validUntil}, in {d.daysLeft} day
          {d.daysLeft === 1 ? "" : "s"}. A renewal order is prefilled from the license.
        </Text>
        <Button href={d.renewUrl} style={buttonStyle}>
          Renew it
        </Button>
      </MailLayout>
    ),
  },
};
