/**
 * A local stand-in for the part of Stripe's HTTP API the portal uses, driven
 * through the real `stripe` SDK (`STRIPE_API_BASE=<stub.url>` in the app, or
 * `new Stripe(key, stripeClientOptions({ STRIPE_API_BASE: stub.url }))`).
 *
 *   const stripe = await startStripeStub();            // beforeAll
 *   ... stripe.sessions[0].lineItems, .idempotencyKey, .authorization
 *   const res = await postSignedWebhook(appUrl, checkoutEvent(stripe.sessions[0], "completed"), stripe.webhookSecret);
 *   await stripe.stop();                               // afterAll
 *
 * It speaks as Stripe does (https://docs.stripe.com/api):
 * - requests are form-encoded with nested keys (`line_items[0][price_data][unit_amount]=1000`),
 *   answers are JSON; errors are `{ error: { type, message, param? } }` with Stripe's statuses;
 * - `Authorization: Bearer <secret key>`: 401 with "Invalid API Key provided: sk_test_****abcd" otherwise
 *   (the SDK throws StripeAuthenticationError);
 * - `Idempotency-Key` (scoped per API key): the same key with the same parameters replays the first answer
 *   (`Idempotent-Replayed: true`) without creating anything; with other parameters it is 400
 *   `idempotency_error` (the SDK throws StripeIdempotencyError);
 * - POST /v1/checkout/sessions, GET /v1/checkout/sessions/:id, GET /v1/checkout/sessions/:id/line_items,
 *   POST /v1/checkout/sessions/:id/expire; POST /v1/customers, /v1/invoices, /v1/invoiceitems,
 *   /v1/invoices/:id/finalize (minimal objects); anything else is 404 like an unknown Stripe URL.
 * Automatic tax (`automatic_tax[enabled]=true` on a session or an invoice) adds STUB_TAX_RATE on top of
 * the subtotal, as Stripe Tax does for tax-exclusive prices; the subtotal stays the items' sum.
 * A session's `url` points at the stub itself (GET /c/pay/:id answers a small page), so a browser that
 * follows it stays on this machine.
 *
 * It records what it received (sessions with their line items, amounts, metadata, Authorization and
 * idempotency key; every request with its status) for assertions, and builds signed webhook deliveries
 * for the sessions it holds.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";

export const STUB_SECRET_KEY = "sk_test_portalStub0123456789abcdefghij";
export const STUB_WEBHOOK_SECRET = "whsec_portalStubWebhookSecret0123456789abcdef";
/** The tax the stub's automatic tax adds on top of a subtotal (10 %, rounded to the minor unit). */
export const STUB_TAX_RATE = 0.1;

/** A form-encoded parameter tree as the SDK sends it: strings at the leaves. */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

export interface StubLineItem {
  id: string;
  name: string;
  currency: string;
  unitAmount: number;
  quantity: number;
  amountTotal: number;
}

/** A Checkout Session as the stub holds it: Stripe's object plus what the request carried. */
export interface StubCheckoutSession {
  id: string;
  object: "checkout.session";
  mode: string;
  status: "open" | "complete" | "expired";
  payment_status: "paid" | "unpaid" | "no_payment_required";
  currency: string;
  amount_subtotal: number;
  total_details: { amount_tax: number };
  automatic_tax: { enabled: boolean; status: "complete" | null };
  amount_total: number;
  metadata: Record<string, string>;
  client_reference_id: string | null;
  customer_email: string | null;
  success_url: string | null;
  cancel_url: string | null;
  url: string | null;
  payment_intent: string | null;
  created: number;
  expires_at: number;
  livemode: false;
  /** Recorded from the request (not part of Stripe's object). */
  lineItems: StubLineItem[];
  paymentIntentMetadata: Record<string, string>;
  authorization: string;
  idempotencyKey: string | null;
  params: FormObject;
}

export interface StubRequest {
  method: string;
  path: string;
  authorization: string | null;
  idempotencyKey: string | null;
  status: number;
  params: FormObject;
  replayed: boolean;
}

export interface StubInvoice {
  id: string;
  object: "invoice";
  customer: string;
  currency: string;
  status: "draft" | "open" | "paid" | "void";
  collection_method: string;
  days_until_due: number | null;
  metadata: Record<string, string>;
  number: string | null;
  hosted_invoice_url: string | null;
  amount_due: number;
  subtotal: number;
  total: number;
  automatic_tax: { enabled: boolean; status: "complete" | null };
  lines: { object: "list"; data: Record<string, unknown>[]; has_more: false; url: string };
  created: number;
  livemode: false;
}

export interface StripeStub {
  /** STRIPE_API_BASE for the app, e.g. http://127.0.0.1:41234 */
  url: string;
  /** The only key the stub accepts (STRIPE_SECRET_KEY). */
  secretKey: string;
  /** The secret the helpers sign webhooks with (STRIPE_WEBHOOK_SECRET). */
  webhookSecret: string;
  /** Checkout Sessions created, in order (each once, whatever the retries). */
  sessions: StubCheckoutSession[];
  customers: Record<string, unknown>[];
  invoiceItems: Record<string, unknown>[];
  invoices: StubInvoice[];
  /** Every request, in order, with the status it got. */
  requests: StubRequest[];
  session(id: string): StubCheckoutSession;
  /** Environment for startAppServer / the app: STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, STRIPE_API_BASE. */
  env(): Record<"STRIPE_SECRET_KEY" | "STRIPE_WEBHOOK_SECRET" | "STRIPE_API_BASE", string>;
  /** Answers `status` (a Stripe api_error) to the next `times` API requests, before any other check. */
  failNext(status: number, times?: number): void;
  stop(): Promise<void>;
}

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** An id shaped like Stripe's: prefix_ + random base62. */
export function stripeId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return `${prefix}_${out}`;
}

/** Parses `a[b][0][c]=v&…` (application/x-www-form-urlencoded, Stripe's nesting) into a tree. */
export function parseStripeForm(body: string): FormObject {
  const root: FormObject = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const first = key.indexOf("[");
    const path =
      first === -1
        ? [key]
        : [key.slice(0, first), ...[...key.slice(first).matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]!)];
    let node: FormObject | FormValue[] = root;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      const last = i === path.length - 1;
      const nextIsIndex = !last && /^\d*$/.test(path[i + 1]!);
      const slot: string | number = Array.isArray(node) ? (seg === "" ? node.length : Number(seg)) : seg;
      const container = node as Record<string | number, FormValue>;
      if (last) {
        container[slot] = value;
      } else {
        container[slot] ??= nextIsIndex ? [] : {};
        node = container[slot] as FormObject | FormValue[];
      }
    }
  }
  return root;
}

class StubError extends Error {
  constructor(
    public readonly status: number,
    public readonly type: string,
    message: string,
    public readonly param?: string,
    public readonly code?: string,
  ) {
    super(message);
  }
}

const str = (v: FormValue | undefined): string | undefined => (typeof v === "string" ? v : undefined);
const obj = (v: FormValue | undefined): FormObject => (v && typeof v === "object" && !Array.isArray(v) ? v : {});
const stubTax = (subtotal: number) => Math.round(subtotal * STUB_TAX_RATE);
const automaticTaxOn = (params: FormObject) => str(obj(params.automatic_tax).enabled) === "true";
const list = (v: FormValue | undefined): FormValue[] =>
  Array.isArray(v)
    ? v
    : v && typeof v === "object"
      ? Object.keys(v)
          .sort((a, b) => Number(a) - Number(b))
          .map((k) => v[k]!)
      : [];
const metadataOf = (v: FormValue | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj(v))) if (typeof val === "string") out[k] = val;
  return out;
};

function integer(v: FormValue | undefined, param: string, opts: { min: number; required?: boolean }): number {
  const s = str(v);
  if (s === undefined) {
    if (opts.required === false) return NaN;
    throw new StubError(400, "invalid_request_error", `Missing required param: ${param}.`, param, "parameter_missing");
  }
  if (!/^-?\d+$/.test(s) || Number(s) < opts.min) {
    throw new StubError(400, "invalid_request_error", `Invalid integer: ${s}`, param, "parameter_invalid_integer");
  }
  return Number(s);
}

const CURRENCIES = new Set(["usd", "eur", "jpy", "aud", "gbp", "cad", "chf"]);
function currencyParam(v: FormValue | undefined, param: string): string {
  const c = str(v);
  if (!c)
    throw new StubError(400, "invalid_request_error", `Missing required param: ${param}.`, param, "parameter_missing");
  if (!CURRENCIES.has(c)) {
    throw new StubError(
      400,
      "invalid_request_error",
      `Invalid currency: ${c}. Stripe currently supports these currencies: ${[...CURRENCIES].join(", ")}`,
      param,
    );
  }
  return c;
}

const mask = (key: string) => `${key.slice(0, key.indexOf("_", 3) + 1)}****${key.slice(-4)}`;

export async function startStripeStub(opts: { secretKey?: string; webhookSecret?: string } = {}): Promise<StripeStub> {
  const secretKey = opts.secretKey ?? STUB_SECRET_KEY;
  const webhookSecret = opts.webhookSecret ?? STUB_WEBHOOK_SECRET;
  const sessions: StubCheckoutSession[] = [];
  const customers: Record<string, unknown>[] = [];
  const invoiceItems: Record<string, unknown>[] = [];
  const invoices: StubInvoice[] = [];
  const requests: StubRequest[] = [];
  /** `${apiKey} ${idempotencyKey}` → the request it was first used with and the answer given. */
  const idempotent = new Map<string, { method: string; path: string; body: string; status: number; answer: unknown }>();
  const failures: number[] = [];
  let baseUrl = "";

  const findSession = (id: string) => {
    const s = sessions.find((x) => x.id === id);
    if (!s)
      throw new StubError(
        404,
        "invalid_request_error",
        `No such checkout.session: '${id}'`,
        "session",
        "resource_missing",
      );
    return s;
  };
  const findInvoice = (id: string) => {
    const inv = invoices.find((x) => x.id === id);
    if (!inv) throw new StubError(404, "invalid_request_error", `No such invoice: '${id}'`, "id", "resource_missing");
    return inv;
  };
  /** Stripe's public view of a session: the recorded extras left out. */
  const sessionView = (s: StubCheckoutSession) => {
    const { lineItems: _l, paymentIntentMetadata: _p, authorization: _a, idempotencyKey: _i, params: _q, ...view } = s;
    return view;
  };

  function createSession(params: FormObject, authorization: string, idempotencyKey: string | null) {
    const mode = str(params.mode);
    if (!mode)
      throw new StubError(400, "invalid_request_error", "Missing required param: mode.", "mode", "parameter_missing");
    if (mode !== "payment") {
      throw new StubError(400, "invalid_request_error", `This stub only supports mode=payment, not ${mode}.`, "mode");
    }
    const successUrl = str(params.success_url);
    if (!successUrl) {
      throw new StubError(
        400,
        "invalid_request_error",
        "Missing required param: success_url.",
        "success_url",
        "parameter_missing",
      );
    }
    const items = list(params.line_items);
    if (items.length === 0) {
      throw new StubError(
        400,
        "invalid_request_error",
        "Missing required param: line_items.",
        "line_items",
        "parameter_missing",
      );
    }
    let currency: string | undefined;
    const lineItems = items.map((raw, i): StubLineItem => {
      const item = obj(raw);
      const p = `line_items[${i}]`;
      const priceData = obj(item.price_data);
      if (!item.price_data) {
        throw new StubError(
          400,
          "invalid_request_error",
          "You must specify either `price` or `price_data` for each line item.",
          `${p}[price_data]`,
        );
      }
      const c = currencyParam(priceData.currency, `${p}[price_data][currency]`);
      if (currency && c !== currency) {
        throw new StubError(
          400,
          "invalid_request_error",
          "All line items must have the same currency.",
          `${p}[price_data][currency]`,
        );
      }
      currency = c;
      const unitAmount = integer(priceData.unit_amount, `${p}[price_data][unit_amount]`, { min: 0 });
      const quantity = integer(item.quantity, `${p}[quantity]`, { min: 1 });
      const name = str(obj(priceData.product_data).name);
      if (!name) {
        throw new StubError(
          400,
          "invalid_request_error",
          "Missing required param: name.",
          `${p}[price_data][product_data][name]`,
          "parameter_missing",
        );
      }
      return { id: stripeId("li"), name, currency: c, unitAmount, quantity, amountTotal: unitAmount * quantity };
    });
    const subtotal = lineItems.reduce((sum, l) => sum + l.amountTotal, 0);
    const taxed = automaticTaxOn(params);
    const tax = taxed ? stubTax(subtotal) : 0;
    const id = stripeId("cs_test", 58);
    const created = Math.floor(Date.now() / 1000);
    const session: StubCheckoutSession = {
      id,
      object: "checkout.session",
      mode,
      status: "open",
      payment_status: "unpaid",
      currency: currency!,
      amount_subtotal: subtotal,
      amount_total: subtotal + tax,
      total_details: { amount_tax: tax },
      automatic_tax: { enabled: taxed, status: taxed ? "complete" : null },
      metadata: metadataOf(params.metadata),
      client_reference_id: str(params.client_reference_id) ?? null,
      customer_email: str(params.customer_email) ?? null,
      success_url: successUrl.replace("{CHECKOUT_SESSION_ID}", id),
      cancel_url: str(params.cancel_url) ?? null,
      url: `${baseUrl}/c/pay/${id}`,
      payment_intent: null, // Stripe creates the PaymentIntent when the buyer pays (see checkoutEvent)
      created,
      expires_at: created + 24 * 3600,
      livemode: false,
      lineItems,
      paymentIntentMetadata: metadataOf(obj(params.payment_intent_data).metadata),
      authorization,
      idempotencyKey,
      params,
    };
    sessions.push(session);
    return sessionView(session);
  }

  function createInvoice(params: FormObject) {
    const customer = str(params.customer);
    if (!customer)
      throw new StubError(
        400,
        "invalid_request_error",
        "Missing required param: customer.",
        "customer",
        "parameter_missing",
      );
    if (!customers.some((c) => c.id === customer)) {
      throw new StubError(
        400,
        "invalid_request_error",
        `No such customer: '${customer}'`,
        "customer",
        "resource_missing",
      );
    }
    const collection = str(params.collection_method) ?? "charge_automatically";
    const days = collection === "send_invoice" ? integer(params.days_until_due, "days_until_due", { min: 0 }) : null;
    const id = stripeId("in", 24);
    const invoice: StubInvoice = {
      id,
      object: "invoice",
      customer,
      currency: params.currency ? currencyParam(params.currency, "currency") : "usd",
      status: "draft",
      collection_method: collection,
      days_until_due: days,
      metadata: metadataOf(params.metadata),
      number: null,
      hosted_invoice_url: null,
      amount_due: 0,
      subtotal: 0,
      total: 0,
      automatic_tax: { enabled: automaticTaxOn(params), status: null },
      lines: { object: "list", data: [], has_more: false, url: `/v1/invoices/${id}/lines` },
      created: Math.floor(Date.now() / 1000),
      livemode: false,
    };
    invoices.push(invoice);
    return invoice;
  }

  function createInvoiceItem(params: FormObject) {
    const customer = str(params.customer);
    if (!customer)
      throw new StubError(
        400,
        "invalid_request_error",
        "Missing required param: customer.",
        "customer",
        "parameter_missing",
      );
    const invoiceId = str(params.invoice);
    const invoice = invoiceId ? findInvoice(invoiceId) : undefined;
    if (invoice && invoice.status !== "draft") {
      throw new StubError(400, "invalid_request_error", "You can only add invoice items to draft invoices.", "invoice");
    }
    const amount = integer(params.amount, "amount", { min: 0 });
    const currency = currencyParam(params.currency, "currency");
    if (invoice && currency !== invoice.currency) {
      throw new StubError(
        400,
        "invalid_request_error",
        "The currency of the invoice item must match the invoice's.",
        "currency",
      );
    }
    const item = {
      id: stripeId("ii"),
      object: "invoiceitem",
      customer,
      invoice: invoiceId ?? null,
      amount,
      currency,
      description: str(params.description) ?? null,
      metadata: metadataOf(params.metadata),
      livemode: false,
    };
    invoiceItems.push(item);
    if (invoice) {
      invoice.lines.data.push({
        id: stripeId("il"),
        object: "line_item",
        amount,
        currency,
        description: item.description,
      });
      invoice.subtotal += amount;
      invoice.total += amount;
      invoice.amount_due += amount;
    }
    return item;
  }

  function route(
    method: string,
    path: string,
    params: FormObject,
    authorization: string,
    idempotencyKey: string | null,
  ): unknown {
    let m: RegExpMatchArray | null;
    if (method === "POST" && path === "/v1/checkout/sessions")
      return createSession(params, authorization, idempotencyKey);
    if (method === "GET" && (m = path.match(/^\/v1\/checkout\/sessions\/([^/]+)$/)))
      return sessionView(findSession(m[1]!));
    if (method === "GET" && (m = path.match(/^\/v1\/checkout\/sessions\/([^/]+)\/line_items$/))) {
      const s = findSession(m[1]!);
      return {
        object: "list",
        has_more: false,
        url: `/v1/checkout/sessions/${s.id}/line_items`,
        data: s.lineItems.map((l) => ({
          id: l.id,
          object: "item",
          description: l.name,
          currency: l.currency,
          quantity: l.quantity,
          amount_subtotal: l.amountTotal,
          amount_total: l.amountTotal,
          price: { object: "price", currency: l.currency, unit_amount: l.unitAmount },
        })),
      };
    }
    if (method === "POST" && (m = path.match(/^\/v1\/checkout\/sessions\/([^/]+)\/expire$/))) {
      const s = findSession(m[1]!);
      if (s.status !== "open") {
        throw new StubError(
          400,
          "invalid_request_error",
          `Only Checkout Sessions with a status in ["open"] can be expired.`,
          undefined,
        );
      }
      s.status = "expired";
      s.url = null;
      return sessionView(s);
    }
    if (method === "POST" && path === "/v1/customers") {
      const customer = {
        id: stripeId("cus", 14),
        object: "customer",
        email: str(params.email) ?? null,
        name: str(params.name) ?? null,
        address: params.address ? { country: str(obj(params.address).country) ?? null } : null,
        metadata: metadataOf(params.metadata),
        created: Math.floor(Date.now() / 1000),
        livemode: false,
      };
      customers.push(customer);
      return customer;
    }
    if (method === "POST" && path === "/v1/invoiceitems") return createInvoiceItem(params);
    if (method === "POST" && path === "/v1/invoices") return createInvoice(params);
    if (method === "POST" && (m = path.match(/^\/v1\/invoices\/([^/]+)\/finalize$/))) {
      const inv = findInvoice(m[1]!);
      if (inv.status !== "draft") {
        throw new StubError(
          400,
          "invalid_request_error",
          "This invoice is already finalized, you can't re-finalize a non-draft invoice.",
          undefined,
          "invoice_not_editable",
        );
      }
      if (inv.automatic_tax.enabled) {
        const tax = stubTax(inv.subtotal);
        inv.total += tax;
        inv.amount_due += tax;
        inv.automatic_tax.status = "complete";
      }
      inv.status = "open";
      inv.number = `STUB-${String(invoices.indexOf(inv) + 1).padStart(4, "0")}`;
      inv.hosted_invoice_url = `${baseUrl}/i/${inv.id}`;
      return inv;
    }
    throw new StubError(404, "invalid_request_error", `Unrecognized request URL (${method}: ${path}).`);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const method = req.method ?? "GET";
      const [path, query = ""] = (req.url ?? "/").split("?") as [string, string?];
      const raw = Buffer.concat(chunks).toString("utf8");
      const params = parseStripeForm(method === "GET" ? query : raw);
      const authorization = req.headers.authorization ?? null;
      const idempotencyKey = (req.headers["idempotency-key"] as string | undefined) ?? null;
      const requestId = stripeId("req", 14);
      const record = (status: number, replayed = false) =>
        requests.push({ method, path, authorization, idempotencyKey, status, params, replayed });
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": "application/json", "request-id": requestId, ...headers });
        res.end(JSON.stringify(body));
      };
      const sendError = (e: StubError) => {
        record(e.status);
        const error: Record<string, string> = { type: e.type, message: e.message };
        if (e.param) error.param = e.param;
        if (e.code) error.code = e.code;
        send(e.status, { error }, e.status >= 500 ? {} : { "stripe-should-retry": "false" });
      };

      if (method === "GET" && path.startsWith("/c/pay/")) {
        const s = sessions.find((x) => x.id === path.slice("/c/pay/".length));
        res.writeHead(s ? 200 : 404, { "content-type": "text/html; charset=utf-8" });
        res.end(
          s
            ? `<!doctype html><title>Stripe stub checkout</title><h1>Pay ${s.amount_total} ${s.currency}</h1><p>${s.id}</p>`
            : "not found",
        );
        return;
      }

      const bearer = authorization?.startsWith("Bearer ") ? authorization.slice("Bearer ".length) : null;
      if (!bearer) {
        return sendError(
          new StubError(
            401,
            "invalid_request_error",
            "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
          ),
        );
      }
      if (bearer !== secretKey) {
        return sendError(new StubError(401, "invalid_request_error", `Invalid API Key provided: ${mask(bearer)}`));
      }
      const injected = failures.shift();
      if (injected !== undefined) {
        return sendError(
          new StubError(
            injected,
            injected === 429 ? "invalid_request_error" : "api_error",
            injected === 429 ? "Request rate limit exceeded." : "An unknown error occurred.",
            undefined,
            injected === 429 ? "rate_limit" : undefined,
          ),
        );
      }

      const scopedKey = idempotencyKey && method === "POST" ? `${bearer} ${idempotencyKey}` : null;
      if (scopedKey) {
        const seen = idempotent.get(scopedKey);
        if (seen && (seen.method !== method || seen.path !== path || seen.body !== raw)) {
          return sendError(
            new StubError(
              400,
              "idempotency_error",
              `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
            ),
          );
        }
        if (seen) {
          record(seen.status, true);
          return send(seen.status, seen.answer, { "idempotent-replayed": "true", "idempotency-key": idempotencyKey! });
        }
      }
      let status = 200;
      let answer: unknown;
      try {
        answer = route(method, path, params, authorization!, idempotencyKey);
      } catch (err) {
        if (!(err instanceof StubError)) throw err;
        status = err.status;
        const error: Record<string, string> = { type: err.type, message: err.message };
        if (err.param) error.param = err.param;
        if (err.code) error.code = err.code;
        answer = { error };
      }
      // Stripe stores the answer to a keyed request, errors included (except 5xx), and replays it.
      if (scopedKey && status < 500) idempotent.set(scopedKey, { method, path, body: raw, status, answer });
      record(status);
      send(status, answer, {
        ...(status >= 400 ? { "stripe-should-retry": "false" } : {}),
        ...(idempotencyKey ? { "idempotency-key": idempotencyKey } : {}),
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;

  return {
    url: baseUrl,
    secretKey,
    webhookSecret,
    sessions,
    customers,
    invoiceItems,
    invoices,
    requests,
    session(id) {
      const s = sessions.find((x) => x.id === id);
      if (!s)
        throw new Error(
          `the Stripe stub has no session ${id} (it has ${sessions.map((x) => x.id).join(", ") || "none"})`,
        );
      return s;
    },
    env: () => ({ STRIPE_SECRET_KEY: secretKey, STRIPE_WEBHOOK_SECRET: webhookSecret, STRIPE_API_BASE: baseUrl }),
    failNext(status, times = 1) {
      for (let i = 0; i < times; i++) failures.push(status);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Events and signed deliveries

/** A Stripe event object (`evt_…`) around `object`, as Stripe posts it to a webhook endpoint. */
export function stripeEvent(
  type: string,
  object: Record<string, unknown>,
  opts: { id?: string; created?: number } = {},
): Stripe.Event {
  return {
    id: opts.id ?? stripeId("evt", 24),
    object: "event",
    api_version: Stripe.API_VERSION,
    created: opts.created ?? Math.floor(Date.now() / 1000),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  } as unknown as Stripe.Event;
}

export type CheckoutEventKind = "completed" | "async_payment_succeeded" | "async_payment_failed" | "expired";

/** The PaymentIntent id Stripe gives a session once the buyer pays (stable per session). */
export function paymentIntentId(session: StubCheckoutSession): string {
  session.payment_intent ??= stripeId("pi", 24);
  return session.payment_intent;
}

/**
 * `checkout.session.<kind>` for a session the stub created, with the session as Stripe would send it then:
 * - completed: status complete, payment_status `paid` (card) unless told `unpaid` (a delayed method, e.g. SEPA);
 * - async_payment_succeeded: complete and paid; async_payment_failed: complete and unpaid;
 * - expired: status expired, unpaid, no url.
 * `overrides` replace fields of the session object (e.g. `{ amount_total: 1 }` for an amount mismatch).
 */
export function checkoutEvent(
  session: StubCheckoutSession,
  kind: CheckoutEventKind,
  opts: { paymentStatus?: "paid" | "unpaid"; overrides?: Record<string, unknown>; id?: string; created?: number } = {},
): Stripe.Event {
  const {
    lineItems: _l,
    paymentIntentMetadata: _p,
    authorization: _a,
    idempotencyKey: _i,
    params: _q,
    ...view
  } = session;
  const paid =
    kind === "async_payment_succeeded" ? "paid" : kind === "completed" ? (opts.paymentStatus ?? "paid") : "unpaid";
  const object: Record<string, unknown> = {
    ...view,
    status: kind === "expired" ? "expired" : "complete",
    payment_status: paid,
    url: null,
    payment_intent: kind === "expired" ? null : paymentIntentId(session),
    ...opts.overrides,
  };
  return stripeEvent(`checkout.session.${kind}`, object, opts);
}

/**
 * `charge.refunded` for a paid session: the charge of its PaymentIntent, refunded in full unless
 * `amountRefunded` says otherwise. The charge carries the PaymentIntent's metadata (Checkout's
 * `payment_intent_data.metadata`, where the order id is), as Stripe copies it onto the charge.
 */
export function chargeRefundedEvent(
  session: StubCheckoutSession,
  opts: { amountRefunded?: number; id?: string; created?: number; overrides?: Record<string, unknown> } = {},
): Stripe.Event {
  const amountRefunded = opts.amountRefunded ?? session.amount_total;
  const charge = {
    id: stripeId("ch", 24),
    object: "charge",
    amount: session.amount_total,
    amount_captured: session.amount_total,
    amount_refunded: amountRefunded,
    currency: session.currency,
    captured: true,
    paid: true,
    refunded: amountRefunded >= session.amount_total,
    status: "succeeded",
    payment_intent: paymentIntentId(session),
    metadata: { ...session.paymentIntentMetadata },
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    ...opts.overrides,
  };
  return stripeEvent("charge.refunded", charge, opts);
}

/** `invoice.paid` for an invoice the stub created (the invoice path's payment). */
export function invoicePaidEvent(invoice: StubInvoice, opts: { id?: string; created?: number } = {}): Stripe.Event {
  return stripeEvent(
    "invoice.paid",
    { ...invoice, status: "paid", amount_paid: invoice.amount_due, amount_remaining: 0 },
    opts,
  );
}

/**
 * The body and headers of a webhook delivery of `event`, signed with the real SDK's
 * generateTestHeaderString. `timestamp` (Unix seconds) defaults to now; an older one makes a stale delivery.
 */
export function signedWebhook(
  event: unknown,
  secret: string,
  opts: { timestamp?: number } = {},
): { body: string; headers: Record<string, string> } {
  const payload = JSON.stringify(event, null, 2);
  const signature = Stripe.webhooks.generateTestHeaderString({
    payload,
    secret,
    ...(opts.timestamp !== undefined ? { timestamp: opts.timestamp } : {}),
  });
  return {
    body: payload,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "stripe-signature": signature,
      "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    },
  };
}

/** POSTs a signed delivery of `event` to `${appUrl}/webhooks/stripe` as Stripe does (no Origin, no cookie). */
export function postSignedWebhook(
  appUrl: string,
  event: unknown,
  secret: string,
  opts: { timestamp?: number } = {},
): Promise<Response> {
  const { body, headers } = signedWebhook(event, secret, opts);
  return fetch(`${appUrl}/webhooks/stripe`, { method: "POST", body, headers, redirect: "manual" });
}
