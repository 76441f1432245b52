import { Body, Container, Head, Hr, Html, Preview, Section, Text } from "@react-email/components";
import type { ReactNode } from "react";

const brand = {
  body: { backgroundColor: "#f4f6f8", fontFamily: "Helvetica, Arial, sans-serif", margin: 0, padding: "24px 0" },
  container: {
    backgroundColor: "#ffffff",
    borderRadius: "8px",
    margin: "0 auto",
    maxWidth: "560px",
    padding: "24px 32px",
  },
  header: { color: "#0b4f6c", fontSize: "18px", fontWeight: 700, margin: "0 0 16px" },
  footer: { color: "#6b7280", fontSize: "12px", lineHeight: "18px" },
};

export const buttonStyle = {
  backgroundColor: "#0b4f6c",
  borderRadius: "6px",
  color: "#ffffff",
  display: "inline-block",
  fontSize: "15px",
  fontWeight: 600,
  padding: "10px 18px",
  textDecoration: "none",
};

export const textStyle = { color: "#1f2937", fontSize: "15px", lineHeight: "22px" };
/** Someone's own words quoted in a mail (a message, a reason), line breaks kept. */
export const quoteStyle = {
  ...textStyle,
  whiteSpace: "pre-wrap",
  borderLeft: "3px solid #94a3b8",
  paddingLeft: "12px",
};

export function MailLayout({
  preview,
  children,
  portalUrl,
  reason,
}: {
  preview: string;
  children: ReactNode;
  portalUrl: string;
  /** Why the recipient gets this mail; by default, because they have an account. */
  reason?: string;
}) {
  return (
    <Html lang="en">
      <Head />
      <Preview>{preview}</Preview>
      <Body style={brand.body}>
        <Container style={brand.container}>
          <Text style={brand.header}>Channel Partner Portal</Text>
          <Section>{children}</Section>
          <Hr />
          <Text style={brand.footer}>
            {reason ?? "You receive this mail because you have an account on the Channel Partner Portal"} ({portalUrl}).
          </Text>
        </Container>
      </Body>
    </Html>
  );
}
