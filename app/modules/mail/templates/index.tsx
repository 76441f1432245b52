import { Button, Link, Text } from "@react-email/components";
import type { ReactElement } from "react";
import { MailLayout, buttonStyle, textStyle } from "./layout";

/**
 * Every notification the portal sends: its subject and its React body.
 * Rendered to HTML and to a text part by render.server.ts.
 */
export interface TemplateData {
  invitation: { inviterName: string; partnerName: string; roleLabel: string; acceptUrl: string; expiresAt: string };
  "password-reset": { name: string; resetUrl: string; validMinutes: number };
  "password-changed": { name: string; portalUrl: string };
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
        <Text style={textStyle}>Someone asked to reset the password of your account. If it was you, choose a new one:</Text>
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
          The password of your account was just changed and every session was signed out. If this was not you,
          contact your channel manager at once.
        </Text>
        <Button href={`${portalUrl}/login`} style={buttonStyle}>
          Sign in
        </Button>
      </MailLayout>
    ),
  },
};
