import { randomUUID } from "node:crypto";
import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { Db } from "~db/client";
import { mailMessages, mailOptOuts, mailRecipients } from "~db/schema";
import { env } from "~/utils/env.server";
import { insertSql, send, withParts } from "~/utils/sql.server";
import { renderMail, type RenderedMail } from "./render.server";
import { templates, type TemplateData, type TemplateName } from "./templates";
import type { Recipient } from "./transports.server";

export interface EnqueueInput<K extends TemplateName> {
  /** One address (named by toName), or several recipients delivered one by one. */
  to: string | Recipient[];
  toName?: string | null;
  template: K;
  data: TemplateData[K];
  /** Unique per notification (e.g. `invitation:<id>`): a retried request never queues it twice. */
  dedupeKey: string;
  critical?: boolean;
  partnerId?: string | null;
  userId?: string | null;
}

/**
 * Queues a notification in the caller's transaction: it exists exactly when the
 * change that caused it commits. Returns the outbox row's id (the existing one
 * when the dedupe key was already queued), or null when the recipient user
 * turned this notification off (security mails cannot be turned off).
 */
export async function enqueueMail<K extends TemplateName>(tx: Db, input: EnqueueInput<K>): Promise<string | null> {
  if (input.userId && !templates[input.template].security) {
    const [optOut] = await tx
      .select({ userId: mailOptOuts.userId })
      .from(mailOptOuts)
      .where(and(eq(mailOptOuts.userId, input.userId), eq(mailOptOuts.template, input.template)));
    if (optOut) return null;
  }
  const recipients: Recipient[] =
    typeof input.to === "string" ? [{ address: input.to, name: input.toName ?? null }] : input.to;
  if (recipients.length === 0) throw new Error("enqueueMail: no recipients");
  const rendered = await renderMail(input.template, input.data);
  const e = env();
  const inserted = await tx
    .insert(mailMessages)
    .values({
      messageId: `<${randomUUID()}@${e.MAIL_DOMAIN}>`,
      dedupeKey: input.dedupeKey,
      template: input.template,
      toAddress: recipients[0]!.address,
      toName: recipients[0]!.name,
      fromAddress: e.MAIL_FROM,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      critical: input.critical ?? false,
      partnerId: input.partnerId ?? null,
      userId: input.userId ?? null,
    })
    .onConflictDoNothing({ target: mailMessages.dedupeKey })
    .returning({ id: mailMessages.id });
  if (inserted[0]) {
    await tx
      .insert(mailRecipients)
      .values(recipients.map((r) => ({ mailId: inserted[0]!.id, address: r.address, name: r.name })));
    return inserted[0].id;
  }
  const [existing] = await tx
    .select({ id: mailMessages.id })
    .from(mailMessages)
    .where(eq(mailMessages.dedupeKey, input.dedupeKey));
  return existing!.id;
}

/**
 * Queues many notifications in the caller's transaction, each rendered now
 * and stored as enqueueMail stores it (subject, html and text; no template
 * data), with one statement for the messages and their recipients whatever
 * their number (bulk tier evaluations). Same rules as enqueueMail: a dedupe key
 * already queued is skipped, a user's opt-out is honoured. Returns how many
 * were queued.
 */
export async function enqueueRenderedMails<K extends TemplateName>(tx: Db, inputs: EnqueueInput<K>[]): Promise<number> {
  if (inputs.length === 0) return 0;
  const rendered = new Map<string, RenderedMail>();
  for (const i of inputs) {
    if (!rendered.has(i.dedupeKey)) rendered.set(i.dedupeKey, await renderMail(i.template, i.data));
  }
  const result = await send<{ queued: number }>(
    tx,
    withParts(mailParts(inputs, "mail", { rendered }), sql`select count(*)::int as queued from mail_m`),
  );
  return result.rows[0]?.queued ?? 0;
}

/**
 * Queues many notifications in the caller's transaction with one statement
 * whatever their number (bulk lead routing queues thousands). Each is stored
 * with its template data and subject and rendered at its first delivery
 * (renderedMessage), which is where rendering's cost belongs: rendering one
 * takes about as long as routing a lead. Same rules as enqueueMail: a dedupe
 * key already queued is skipped, a user's opt-out is honoured. Returns how
 * many were queued.
 */
export async function enqueueMails<K extends TemplateName>(tx: Db, inputs: EnqueueInput<K>[]): Promise<number> {
  if (inputs.length === 0) return 0;
  const result = await send<{ queued: number }>(
    tx,
    withParts(mailParts(inputs, "mail"), sql`select count(*)::int as queued from mail_m`),
  );
  return result.rows[0]?.queued ?? 0;
}

/**
 * enqueueMails as two parts of a larger data-modifying statement (withParts):
 * `<prefix>_m` inserts the messages (returning id, dedupe_key) and
 * `<prefix>_r` their recipients. Opt-outs are read by the statement itself,
 * so a caller can queue mails without waiting for a read.
 */
export function mailParts<K extends TemplateName>(
  inputs: EnqueueInput<K>[],
  prefix: string,
  opts: { rendered?: ReadonlyMap<string, RenderedMail> } = {},
): Array<[string, SQL]> {
  const { rendered } = opts;
  if (inputs.length === 0) return [];
  const e = env();
  const seen = new Set<string>();
  const recipients: { dedupe_key: string; address: string; name: string | null }[] = [];
  const rows: Record<string, unknown>[] = [];
  const data: unknown[] = [];
  for (const i of inputs) {
    if (seen.has(i.dedupeKey)) continue; // the first one with a key is the one queued
    seen.add(i.dedupeKey);
    const to: Recipient[] = typeof i.to === "string" ? [{ address: i.to, name: i.toName ?? null }] : i.to;
    if (to.length === 0) throw new Error("enqueueMails: no recipients");
    for (const r of to) recipients.push({ dedupe_key: i.dedupeKey, address: r.address, name: r.name });
    const done = rendered?.get(i.dedupeKey);
    if (rendered && !done) throw new Error(`mailParts: ${i.dedupeKey} was not rendered`);
    if (!done) data.push(i.data);
    rows.push({
      message_id: `<${randomUUID()}@${e.MAIL_DOMAIN}>`,
      dedupe_key: i.dedupeKey,
      template: i.template,
      to_address: to[0]!.address,
      to_name: to[0]!.name,
      ...(done
        ? { subject: done.subject, html: done.html, text: done.text }
        : { subject: templates[i.template].subject(i.data) }),
      critical: i.critical ?? false,
      partner_id: i.partnerId ?? null,
      user_id: i.userId ?? null,
      optable: !!i.userId && !templates[i.template].security,
    });
  }
  const m = `${prefix}_m`;
  return [
    [
      m,
      insertSql(
        "mail_messages",
        {
          message_id: "text",
          dedupe_key: "text",
          template: "text",
          to_address: "text",
          to_name: "text",
          subject: "text",
          ...(rendered ? { html: "text", text: "text" } : {}),
          critical: "boolean",
          partner_id: "uuid",
          user_id: "uuid",
        },
        rows,
        {
          // Unrendered, the template data as a second array: its text is checked once (json_to_recordset would
          // check it twice). Rendered (as enqueueMail stores them), no data.
          bulky: rendered ? undefined : { column: "data", values: data },
          extra: { optable: "boolean" },
          same: { from_address: ["text", e.MAIL_FROM] },
          where:
            "not (v.optable and exists (select 1 from mail_opt_outs o where o.user_id = v.user_id and o.template = v.template))",
          tail: "on conflict (dedupe_key) do nothing returning id, dedupe_key",
        },
      ),
    ],
    [
      `${prefix}_r`,
      sql`insert into mail_recipients (mail_id, address, name)
          select m.id, r.address, r.name
            from ${sql.raw(m)} m
            join json_to_recordset(${JSON.stringify(recipients)}::json) as r(dedupe_key text, address text, name text)
              using (dedupe_key)`,
    ],
  ];
}

/** Which of these dedupe keys are already in the outbox (a job skips rendering mails it queued before). */
export async function queuedDedupeKeys(db: Db, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db
    .select({ key: mailMessages.dedupeKey })
    .from(mailMessages)
    .where(inArray(mailMessages.dedupeKey, keys));
  return new Set(rows.map((r) => r.key));
}
