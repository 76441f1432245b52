import { render } from "@react-email/render";
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "~db/client";
import { mailMessages, type MailMessage, type RenderedMessage } from "~db/schema";
import { appUrl } from "~/utils/env.server";
import { templates, type TemplateData, type TemplateName } from "./templates";

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

export async function renderMail<K extends TemplateName>(name: K, data: TemplateData[K]): Promise<RenderedMail> {
  const def = templates[name];
  const element = def.body(data, appUrl());
  const [html, text] = await Promise.all([render(element), render(element, { plainText: true })]);
  return { subject: def.subject(data), html, text };
}

/**
 * The message with its content: as stored, or (a message queued in bulk,
 * html still null) rendered now from its template and data. Rendered content
 * is stored once (`store`), so every retry sends the same bytes; the admin
 * page only looks and does not store.
 */
export async function renderedMessage(db: Db, message: MailMessage, opts: { store: boolean }): Promise<RenderedMessage> {
  if (message.html !== null && message.text !== null) return message as RenderedMessage;
  const rendered = await renderMail(message.template as TemplateName, message.data as never);
  if (opts.store) {
    await db
      .update(mailMessages)
      .set({ html: rendered.html, text: rendered.text })
      .where(and(eq(mailMessages.id, message.id), isNull(mailMessages.html)));
  }
  return { ...message, html: rendered.html, text: rendered.text };
}
