import { parseWithZod } from "@conform-to/zod";
import { data } from "@remix-run/node";
import type { z } from "zod";
import type { IntentResult } from "~/components/intent-forms";
import { DomainError, ValidationError } from "./errors.server";

/** One of a page's forms: its schema, the domain function it calls, and what the page says when it worked. */
export interface IntentForm<C> {
  schema: z.ZodTypeAny;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each form's value type is its own schema's output
  run: (ctx: C, id: string, value: any, formData: FormData) => Promise<unknown>;
  done: string;
}

/**
 * The action of a page with several forms told apart by `intent` (a detail
 * page with its decisions): parses the chosen form with its schema, calls its
 * domain function on the page's record, and maps the outcome: field errors
 * (400) under the form's fields, a broken rule or a lost race as a message on
 * the page, an unknown or foreign record as the 404 page.
 */
export async function runIntent<C, F extends Record<string, IntentForm<C>>>(
  formData: FormData,
  forms: F,
  ctx: C,
  recordId: string,
) {
  type Intent = Extract<keyof F, string>;
  const intent = formData.get("intent");
  if (typeof intent !== "string" || !Object.hasOwn(forms, intent)) {
    return data<IntentResult<Intent>>({ intent: null, error: "Unknown action." }, { status: 400 });
  }
  const key = intent as Intent;
  const { schema, run, done } = forms[key]!;
  const submission = parseWithZod(formData, { schema });
  if (submission.status !== "success") {
    return data<IntentResult<Intent>>({ intent: key, result: submission.reply() }, { status: 400 });
  }
  try {
    await run(ctx, recordId, submission.value, formData);
  } catch (err) {
    if (err instanceof ValidationError) {
      return data<IntentResult<Intent>>(
        { intent: key, result: submission.reply({ fieldErrors: err.fields ?? {} }) },
        { status: 400 },
      );
    }
    if (err instanceof DomainError) {
      if (err.status === 404) throw new Response(err.message, { status: 404 });
      return data<IntentResult<Intent>>({ intent: key, error: err.message }, { status: err.status });
    }
    throw err;
  }
  return data<IntentResult<Intent>>({ intent: key, notice: done, result: submission.reply({ resetForm: true }) });
}
