import { Button, Link, Section, Text } from "@react-email/components";
import type { ReactElement } from "react";
import { buttonStyle, MailLayout, quoteStyle, textStyle } from "./layout";
import { tierTemplates, type TierTemplateData } from "./tiers";
import { licensingTemplates, type LicensingTemplateData } from "./licensing";

/** A lead as an offer mail shows it, with its signed accept and decline links. */
export interface OfferedLead {
  leadRef: string;
  companyName: string;
  /** "Japan", "United States (Colorado)" */
  location: string;
  /** Product interest and seats, or "" when unknown. */
  interest: string;
  message: string;
  /** In the partner's time zone, e.g. "Tue 1 Dec 2026, 15:00 (Asia/Tokyo)". */
  acceptBy: string;
  acceptUrl: string;
  declineUrl: string;
  leadUrl: string;
}

/**
 * Every notification the portal sends: its subject and its React body.
 * Rendered to HTML and to a text part by render.server.ts.
 */
export interface TemplateData extends LicensingTemplateData {
  invitation: { inviterName: string; partnerName: string; roleLabel: string; acceptUrl: string; expiresAt: string };
  "password-reset": { name: string; resetUrl: string; validMinutes: number };
  "password-changed": { name: string; portalUrl: string };
  "application-received": { contactName: string; companyName: string; statusUrl: string };
  "application-new": { companyName: string; country: string; reviewUrl: string };
  "application-duplicate": {
    companyName: string;
    domain: string;
    contactEmail: string;
    existing: string;
    reason: string;
  };
  "application-info-requested": { contactName: string; companyName: string; message: string; statusUrl: string };
  "application-answered": { companyName: string; reviewUrl: string };
  "application-rejected": { contactName: string; companyName: string; reason: string };
  "application-approved": {
    contactName: string;
    companyName: string;
    tierLabel: string;
    acceptUrl: string;
    expiresAt: string;
  };
  "agreement-published": {
    partnerName: string;
    title: string;
    version: number;
    effectiveAt: string;
    deadline: string;
    agreementUrl: string;
  };
  "agreement-reminder": {
    partnerName: string;
    title: string;
    version: number;
    deadline: string;
    daysLeft: number;
    agreementUrl: string;
  };
  "partner-status-changed": { partnerName: string; status: "suspended" | "reinstated" | "terminated"; reason: string };
  "certification-earned": {
    name: string;
    certificationName: string;
    expiresAt: string;
    certificateUrl: string;
    verifyUrl: string;
  };
  "certification-expiring": {
    name: string;
    certificationName: string;
    expiresAt: string;
    daysLeft: number;
    courseUrl: string;
  };
  "certification-expired": { name: string; certificationName: string; courseUrl: string };
  /** Every change of a deal registration that its partner must know about (decisions, expiry warnings, extensions). */
  "deal-update": { partnerName: string; customerName: string; headline: string; message: string; dealUrl: string };
  /** Something for the channel team to review (a new or changed registration, an appeal, an extension request). */
  "deal-review": { partnerName: string; customerName: string; headline: string; message: string; reviewUrl: string };
  /** A lead offered to a partner: critical, with signed one-click links (one mail per recipient). */
  "lead-offer": OfferedLead & { recipientName: string; partnerName: string };
  /** Several leads offered to a partner by one bulk routing: one mail per recipient, each lead with its own links. */
  "lead-offers": { recipientName: string; partnerName: string; leads: OfferedLead[] };
  /** Half the SLA has passed without an answer. */
  "lead-offer-reminder": {
    recipientName: string;
    leadRef: string;
    companyName: string;
    acceptBy: string;
    acceptUrl: string;
    declineUrl: string;
    leadUrl: string;
  };
  /** The offer ended without the partner accepting it (expired, recalled by the vendor). */
  "lead-offer-closed": { partnerName: string; leadRef: string; companyName: string; headline: string; message: string };
  /** A lead needs a channel manager: no eligible partner, every offer ran out, a partner declined. */
  "lead-attention": {
    leadRef: string;
    companyName: string;
    location: string;
    headline: string;
    message: string;
    leadUrl: string;
  };
  /** A CSV import finished (to the person who started it). */
  "lead-import-done": {
    name: string;
    filename: string;
    created: number;
    skipped: number;
    failed: number;
    importUrl: string;
  };
  "tier-changed": TierTemplateData["tier-changed"];
  "tier-at-risk": TierTemplateData["tier-at-risk"];
}
export type TemplateName = keyof TemplateData;

type Definition<K extends TemplateName> = {
  /** What the recipient sees on the notification settings page. */
  label: string;
  subject: (d: TemplateData[K]) => string;
  body: (d: TemplateData[K], portalUrl: string) => ReactElement;
  /** Security mails cannot be turned off by the recipient. */
  security: boolean;
};

export const templates: { [K in TemplateName]: Definition<K> } = {
  ...licensingTemplates,
  invitation: {
    label: "Invitations to join a team",
    security: true,
    subject: (d) => `${d.inviterName} invited you to ${d.partnerName} on the Channel Partner Portal`,
    body: (d, portalUrl) => (
      <MailLayout
        preview={`Join ${d.partnerName} on the Channel Partner Portal`}
        portalUrl={portalUrl}
        reason={`You receive this mail because ${d.inviterName} invited this address to the Channel Partner Portal`}
      >
        <Text style={textStyle}>Hello,</Text>
        <Text style={textStyle}>
          {d.inviterName} invited you to join {d.partnerName} on the Channel Partner Portal as {d.roleLabel}.
        </Text>
        <Button href={d.acceptUrl} style={buttonStyle}>
          Accept the invitation
        </Button>
        <Text style={textStyle}>
          Or open this link: <Link href={d.acceptUrl}>{d.acceptUrl}</Link>
        </Text>
        <Text style={textStyle}>The invitation can be used once and expires on {d.expiresAt}.</Text>
      </MailLayout>
    ),
  },
  "password-reset": {
    label: "Password reset links",
    security: true,
    subject: () => "Reset your Channel Partner Portal password",
    body: (d, portalUrl) => (
      <MailLayout preview="Reset your password" portalUrl={portalUrl}>
        <Text style={textStyle}>Hello {d.name},</Text>
        <Text style={textStyle}>
          Someone asked to reset the password of your account. If it was you, choose a new one:
        </Text>
        <Button href={d.resetUrl} style={buttonStyle}>
          Choose a new password
        </Button>
        <Text style={textStyle}>
          Or open this link: <Link href={d.resetUrl}>{d.resetUrl}</Link>
        </Text>
        <Text style={textStyle}>
          The link works once and for {d.validMinutes} minutes. If you did not ask for it, ignore this mail: your
          password stays as it is.
        </Text>
      </MailLayout>
    ),
  },
  "password-changed": {
    label: "Your password was changed",
    security: true,
    subject: () => "Your Channel Partner Portal password was changed",
    body: (d, portalUrl) => (
      <MailLayout preview="Your password was changed" portalUrl={portalUrl}>
        <Text style={textStyle}>Hello {d.name},</Text>
        <Text style={textStyle}>
          The password of your account was just changed and every session was signed out. If this was not you, contact
          your channel manager at once.
        </Text>
        <Button href={`${portalUrl}/login`} style={buttonStyle}>
          Sign in
        </Button>
      </MailLayout>
    ),
  },
  "application-received": {
    label: "Partner application received",
    security: true,
    subject: (d) => `We received the partner application of ${d.companyName}`,
    body: (d, portalUrl) => (
      <MailLayout preview="Your partner application was received" portalUrl={portalUrl}>
        <Text style={textStyle}>Hello {d.contactName},</Text>
        <Text style={textStyle}>
          Thank you for applying to the partner programme on behalf of {d.companyName}. Our channel team reviews every
          application, usually within two business days.
        </Text>
        <Button href={d.statusUrl} style={buttonStyle}>
          See the status of your application
        </Button>
        <Text style={textStyle}>
          Keep this link: it is the only way to follow your application and to answer our questions.{" "}
          <Link href={d.statusUrl}>{d.statusUrl}</Link>
        </Text>
      </MailLayout>
    ),
  },
  "application-new": {
    label: "New partner applications",
    security: false,
    subject: (d) => `New partner application: ${d.companyName} (${d.country})`,
    body: (d, portalUrl) => (
      <MailLayout preview={`${d.companyName} applied`} portalUrl={portalUrl}>
        <Text style={textStyle}>
          {d.companyName} ({d.country}) applied to become a partner.
        </Text>
        <Button href={d.reviewUrl} style={buttonStyle}>
          Review the application
        </Button>
      </MailLayout>
    ),
  },
  "application-duplicate": {
    label: "Refused duplicate applications",
    security: false,
    subject: (d) => `Refused partner application for ${d.domain}`,
    body: (d, portalUrl) => (
      <MailLayout preview={`An application for ${d.domain} was refused`} portalUrl={portalUrl}>
        <Text style={textStyle}>
          An application from {d.companyName} ({d.contactEmail}) was refused because {d.reason}: {d.existing}.
        </Text>
        <Text style={textStyle}>
          If this is a second office of the same company, contact the applicant and the existing partner.
        </Text>
      </MailLayout>
    ),
  },
  "application-info-requested": {
    label: "Questions about a partner application",
    security: true,
    subject: (d) => `A question about the partner application of ${d.companyName}`,
    body: (d, portalUrl) => (
      <MailLayout preview="We need more information" portalUrl={portalUrl}>
        <Text style={textStyle}>Hello {d.contactName},</Text>
        <Text style={textStyle}>Our channel team needs more information to review your application:</Text>
        <Text style={quoteStyle}>{d.message}</Text>
        <Button href={d.statusUrl} style={buttonStyle}>
          Answer on the application page
        </Button>
      </MailLayout>
    ),
  },
  "application-answered": {
    label: "Applicants' answers",
    security: false,
    subject: (d) => `${d.companyName} answered your question`,
    body: (d, portalUrl) => (
      <MailLayout preview={`${d.companyName} answered`} portalUrl={portalUrl}>
        <Text style={textStyle}>{d.companyName} answered the request for more information on its application.</Text>
        <Button href={d.reviewUrl} style={buttonStyle}>
          Review the application
        </Button>
      </MailLayout>
    ),
  },
  "application-rejected": {
    label: "Partner application decisions",
    security: true,
    subject: (d) => `Your partner application for ${d.companyName}`,
    body: (d, portalUrl) => (
      <MailLayout preview="A decision on your partner application" portalUrl={portalUrl}>
        <Text style={textStyle}>Hello {d.contactName},</Text>
        <Text style={textStyle}>
          Thank you for your interest. After review, we cannot accept {d.companyName} into the partner programme at this
          time, for this reason:
        </Text>
        <Text style={quoteStyle}>{d.reason}</Text>
      </MailLayout>
    ),
  },
  "application-approved": {
    label: "Partner application decisions",
    security: true,
    subject: (d) => `Welcome to the partner programme, ${d.companyName}`,
    body: (d, portalUrl) => (
      <MailLayout preview={`${d.companyName} is approved`} portalUrl={portalUrl}>
        <Text style={textStyle}>Hello {d.contactName},</Text>
        <Text style={textStyle}>
          {d.companyName} is approved as a {d.tierLabel} partner. Create your partner admin account, accept the
          programme agreement, and invite your colleagues.
        </Text>
        <Button href={d.acceptUrl} style={buttonStyle}>
          Create your account
        </Button>
        <Text style={textStyle}>
          Or open this link: <Link href={d.acceptUrl}>{d.acceptUrl}</Link>. It can be used once and expires on{" "}
          {d.expiresAt}.
        </Text>
      </MailLayout>
    ),
  },
  "agreement-published": {
    label: "New programme agreement versions",
    security: true,
    subject: (d) => `Please accept version ${d.version} of the partner programme agreement`,
    body: (d, portalUrl) => (
      <MailLayout preview="A new programme agreement needs your acceptance" portalUrl={portalUrl}>
        <Text style={textStyle}>Hello,</Text>
        <Text style={textStyle}>
          Version {d.version} of the programme agreement ({d.title}) takes effect on {d.effectiveAt}. A partner admin of{" "}
          {d.partnerName} must accept it by {d.deadline}; after that date the portal shows only the agreement until it
          is accepted.
        </Text>
        <Button href={d.agreementUrl} style={buttonStyle}>
          Read and accept the agreement
        </Button>
      </MailLayout>
    ),
  },
  "agreement-reminder": {
    label: "Programme agreement reminders",
    security: true,
    subject: (d) => `${d.daysLeft} day${d.daysLeft === 1 ? "" : "s"} left to accept the programme agreement`,
    body: (d, portalUrl) => (
      <MailLayout preview="The programme agreement still needs your acceptance" portalUrl={portalUrl}>
        <Text style={textStyle}>Hello,</Text>
        <Text style={textStyle}>
          {d.partnerName} has not accepted version {d.version} of the programme agreement ({d.title}) yet. Accept it by{" "}
          {d.deadline} to keep using the portal.
        </Text>
        <Button href={d.agreementUrl} style={buttonStyle}>
          Read and accept the agreement
        </Button>
      </MailLayout>
    ),
  },
  "partner-status-changed": {
    label: "Partner account status",
    security: true,
    subject: (d) =>
      d.status === "reinstated"
        ? `${d.partnerName} is reinstated in the partner programme`
        : `${d.partnerName} is ${d.status} in the partner programme`,
    body: (d, portalUrl) => (
      <MailLayout preview={`Your partner account is ${d.status}`} portalUrl={portalUrl}>
        <Text style={textStyle}>Hello,</Text>
        <Text style={textStyle}>
          {d.status === "reinstated"
            ? `${d.partnerName} is reinstated: you and your colleagues can sign in again.`
            : d.status === "suspended"
              ? `${d.partnerName} is suspended from the partner programme: its users cannot sign in until it is reinstated.`
              : `${d.partnerName}'s membership of the partner programme has ended. Its records are kept, but nobody can sign in any more.`}
        </Text>
        {d.reason ? <Text style={quoteStyle}>{d.reason}</Text> : null}
        <Text style={textStyle}>Questions? Contact your channel manager.</Text>
      </MailLayout>
    ),
  },
  "certification-earned": {
    label: "Certifications you earn",
    security: false,
    subject: (d) => `You are certified: ${d.certificationName}`,
    body: (d, portalUrl) => (
      <MailLayout preview={`You earned ${d.certificationName}`} portalUrl={portalUrl}>
        <Text style={textStyle}>Congratulations {d.name},</Text>
        <Text style={textStyle}>
          You earned the certification {d.certificationName}. It is valid until {d.expiresAt}.
        </Text>
        <Button href={d.certificateUrl} style={buttonStyle}>
          See and print your certificate
        </Button>
        <Text style={textStyle}>
          Anyone can check it at <Link href={d.verifyUrl}>{d.verifyUrl}</Link>.
        </Text>
      </MailLayout>
    ),
  },
  "certification-expiring": {
    label: "Certification expiry reminders",
    security: false,
    subject: (d) => `${d.certificationName} expires in ${d.daysLeft} day${d.daysLeft === 1 ? "" : "s"}`,
    body: (d, portalUrl) => (
      <MailLayout preview={`Renew ${d.certificationName}`} portalUrl={portalUrl}>
        <Text style={textStyle}>Hello {d.name},</Text>
        <Text style={textStyle}>
          Your certification {d.certificationName} expires on {d.expiresAt}. Renew it by passing the course's current
          version again; your company's tier counts only valid certifications.
        </Text>
        <Button href={d.courseUrl} style={buttonStyle}>
          Renew now
        </Button>
      </MailLayout>
    ),
  },
  "certification-expired": {
    label: "Expired certifications",
    security: false,
    subject: (d) => `${d.certificationName} has expired`,
    body: (d, portalUrl) => (
      <MailLayout preview={`${d.certificationName} has expired`} portalUrl={portalUrl}>
        <Text style={textStyle}>Hello {d.name},</Text>
        <Text style={textStyle}>
          Your certification {d.certificationName} expired today. Take the course again to be certified.
        </Text>
        <Button href={d.courseUrl} style={buttonStyle}>
          Open the course
        </Button>
      </MailLayout>
    ),
  },
  "deal-update": {
    label: "Deal registration updates",
    security: false,
    subject: (d) => `${d.customerName}: ${d.headline}`,
    body: (d, portalUrl) => (
      <MailLayout preview={`${d.customerName}: ${d.headline}`} portalUrl={portalUrl}>
        <Text style={textStyle}>Hello {d.partnerName},</Text>
        <Text style={textStyle}>
          Your deal registration for {d.customerName}: {d.headline}.
        </Text>
        {d.message ? <Text style={quoteStyle}>{d.message}</Text> : null}
        <Button href={d.dealUrl} style={buttonStyle}>
          Open the registration
        </Button>
      </MailLayout>
    ),
  },
  "deal-review": {
    label: "Deal registrations to review",
    security: false,
    subject: (d) => `${d.headline}: ${d.customerName} (${d.partnerName})`,
    body: (d, portalUrl) => (
      <MailLayout preview={`${d.headline}: ${d.customerName}`} portalUrl={portalUrl}>
        <Text style={textStyle}>
          {d.partnerName} — {d.customerName}: {d.headline}.
        </Text>
        {d.message ? <Text style={quoteStyle}>{d.message}</Text> : null}
        <Button href={d.reviewUrl} style={buttonStyle}>
          Review it
        </Button>
      </MailLayout>
    ),
  },
  "lead-offer": {
    label: "Lead offers",
    security: true,
    subject: (d) => `New lead for ${d.partnerName}: ${d.companyName} (${d.leadRef}), accept by ${d.acceptBy}`,
    body: (d, portalUrl) => (
      <MailLayout
        preview={`${d.companyName}, ${d.location}: accept by ${d.acceptBy}`}
        portalUrl={portalUrl}
        reason={`You receive this mail because you receive lead offers for ${d.partnerName}`}
      >
        <Text style={textStyle}>Hello {d.recipientName},</Text>
        <Text style={textStyle}>
          A new lead is offered to {d.partnerName}: {d.companyName}, {d.location}
          {d.interest ? ` — ${d.interest}` : ""}.
        </Text>
        {d.message ? <Text style={quoteStyle}>{d.message}</Text> : null}
        <Text style={textStyle}>
          Accept it by {d.acceptBy}; after that it is offered to another partner. The contact details show once you
          accept.
        </Text>
        <Button href={d.acceptUrl} style={buttonStyle}>
          Accept {d.leadRef}
        </Button>
        <Text style={textStyle}>
          Not for you? <Link href={d.declineUrl}>Decline it</Link> so it moves on at once. Both links work once and
          expire with the offer. Or open it in the portal: <Link href={d.leadUrl}>{d.leadUrl}</Link>
        </Text>
      </MailLayout>
    ),
  },
  "lead-offers": {
    label: "Lead offers, several at once",
    security: true,
    subject: (d) =>
      `${d.leads.length} new leads for ${d.partnerName}: ${d.leads
        .slice(0, 3)
        .map((l) => l.companyName)
        .join(", ")}${d.leads.length > 3 ? ", …" : ""}`,
    body: (d, portalUrl) => (
      <MailLayout
        preview={`${d.leads.length} leads, the first to accept by ${d.leads[0]?.acceptBy ?? ""}`}
        portalUrl={portalUrl}
        reason={`You receive this mail because you receive lead offers for ${d.partnerName}`}
      >
        <Text style={textStyle}>Hello {d.recipientName},</Text>
        <Text style={textStyle}>
          {d.leads.length} new leads are offered to {d.partnerName}. Accept each by its time; after that it is offered
          to another partner. The contact details show once you accept. Each link works once and expires with its offer;
          declining moves a lead on at once.
        </Text>
        {d.leads.map((l) => (
          <Section key={l.leadRef} style={{ borderTop: "1px solid #e2e8f0", paddingTop: "8px", marginTop: "8px" }}>
            <Text style={textStyle}>
              <strong>
                {l.leadRef}: {l.companyName}
              </strong>
              , {l.location}
              {l.interest ? ` — ${l.interest}` : ""}. Accept by {l.acceptBy}.
            </Text>
            {l.message ? <Text style={quoteStyle}>{l.message}</Text> : null}
            <Button href={l.acceptUrl} style={buttonStyle}>
              Accept {l.leadRef}
            </Button>
            <Text style={textStyle}>
              <Link href={l.declineUrl}>Decline {l.leadRef}</Link> · <Link href={l.leadUrl}>Open it in the portal</Link>
            </Text>
          </Section>
        ))}
      </MailLayout>
    ),
  },
  "lead-offer-reminder": {
    label: "Lead offer reminders",
    security: true,
    subject: (d) => `Reminder: ${d.companyName} (${d.leadRef}) waits for your answer until ${d.acceptBy}`,
    body: (d, portalUrl) => (
      <MailLayout preview={`Accept by ${d.acceptBy}`} portalUrl={portalUrl}>
        <Text style={textStyle}>Hello {d.recipientName},</Text>
        <Text style={textStyle}>
          The lead {d.leadRef} ({d.companyName}) is still waiting for your answer. Half of the time to accept has
          passed: it moves to another partner at {d.acceptBy}.
        </Text>
        <Button href={d.acceptUrl} style={buttonStyle}>
          Accept {d.leadRef}
        </Button>
        <Text style={textStyle}>
          <Link href={d.declineUrl}>Decline it</Link> · <Link href={d.leadUrl}>Open it in the portal</Link>
        </Text>
      </MailLayout>
    ),
  },
  "lead-offer-closed": {
    label: "Lead offers that ended",
    security: false,
    subject: (d) => `${d.leadRef} (${d.companyName}): ${d.headline}`,
    body: (d, portalUrl) => (
      <MailLayout preview={`${d.leadRef}: ${d.headline}`} portalUrl={portalUrl}>
        <Text style={textStyle}>Hello {d.partnerName},</Text>
        <Text style={textStyle}>
          The lead {d.leadRef} ({d.companyName}): {d.headline}.
        </Text>
        {d.message ? <Text style={textStyle}>{d.message}</Text> : null}
      </MailLayout>
    ),
  },
  "lead-attention": {
    label: "Leads that need a channel manager",
    security: false,
    subject: (d) => `${d.leadRef} ${d.companyName}: ${d.headline}`,
    body: (d, portalUrl) => (
      <MailLayout preview={`${d.leadRef}: ${d.headline}`} portalUrl={portalUrl}>
        <Text style={textStyle}>
          {d.leadRef} — {d.companyName}, {d.location}: {d.headline}.
        </Text>
        {d.message ? <Text style={quoteStyle}>{d.message}</Text> : null}
        <Button href={d.leadUrl} style={buttonStyle}>
          Open the lead
        </Button>
      </MailLayout>
    ),
  },
  "lead-import-done": {
    label: "Lead imports finished",
    security: false,
    subject: (d) => `Import of ${d.filename} finished: ${d.created} created, ${d.skipped} skipped, ${d.failed} failed`,
    body: (d, portalUrl) => (
      <MailLayout preview={`${d.created} leads created`} portalUrl={portalUrl}>
        <Text style={textStyle}>Hello {d.name},</Text>
        <Text style={textStyle}>
          The import of {d.filename} finished: {d.created} leads created, {d.skipped} skipped as duplicates of open
          leads, {d.failed} rows with errors.
        </Text>
        <Button href={d.importUrl} style={buttonStyle}>
          See the summary
        </Button>
      </MailLayout>
    ),
  },
  ...tierTemplates,
};
