import { Button, Text } from "@react-email/components";
import type { ReactElement } from "react";
import { MailLayout, buttonStyle, textStyle } from "./layout";

/**
 * Programme tier notifications (registered in index.tsx), to the partner's
 * admins: a tier change (upgrade, downgrade, pin set or ended) and the
 * at-risk notice that says what is needed and by when.
 */
export interface TierTemplateData {
  "tier-changed": {
    partnerName: string;
    headline: string;
    message: string;
    dashboardUrl: string;
  };
  "tier-at-risk": {
    partnerName: string;
    tierLabel: string;
    targetTierLabel: string;
    /** "1 March 2027" */
    dueDate: string;
    /** What is missing, one line each ("Mail Relay Fundamentals: 1 of 2 certified"). */
    needs: string[];
    dashboardUrl: string;
  };
}

type TierName = keyof TierTemplateData;
type Definition<K extends TierName> = {
  label: string;
  subject: (d: TierTemplateData[K]) => string;
  body: (d: TierTemplateData[K], portalUrl: string) => ReactElement;
  security: boolean;
};

export const tierTemplates: { [K in TierName]: Definition<K> } = {
  "tier-changed": {
    label: "Programme tier changes",
    security: false,
    subject: (d) => `${d.partnerName}: ${d.headline}`,
    body: (d, portalUrl) => (
      <MailLayout preview={d.headline} portalUrl={portalUrl}>
        <Text style={textStyle}>Hello {d.partnerName},</Text>
        <Text style={textStyle}>{d.headline}.</Text>
        {d.message ? <Text style={{ ...textStyle, whiteSpace: "pre-wrap" }}>{d.message}</Text> : null}
        <Button href={d.dashboardUrl} style={buttonStyle}>
          See your scorecard
        </Button>
      </MailLayout>
    ),
  },
  "tier-at-risk": {
    label: "Programme tier at risk",
    security: false,
    subject: (d) => `${d.partnerName}: your ${d.tierLabel} tier is at risk until ${d.dueDate}`,
    body: (d, portalUrl) => (
      <MailLayout preview={`Keep ${d.tierLabel} by ${d.dueDate}`} portalUrl={portalUrl}>
        <Text style={textStyle}>Hello {d.partnerName},</Text>
        <Text style={textStyle}>
          Your figures no longer meet the {d.tierLabel} requirements. You keep {d.tierLabel} until {d.dueDate}; if the
          requirements are not met by then, your tier becomes {d.targetTierLabel}.
        </Text>
        <Text style={textStyle}>What is needed:</Text>
        {d.needs.map((n, i) => (
          <Text key={i} style={{ ...textStyle, margin: "0 0 4px 12px" }}>
            • {n}
          </Text>
        ))}
        <Button href={d.dashboardUrl} style={buttonStyle}>
          See your scorecard
        </Button>
      </MailLayout>
    ),
  },
};
