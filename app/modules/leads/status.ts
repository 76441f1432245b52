import type { LeadStatus } from "~db/schema";

/** Statuses in which the lead is with the vendor. */
export const VENDOR_STATUSES = ["new", "held"] as const satisfies readonly LeadStatus[];
/** Accepted and being worked by the partner that holds it. */
export const WORKING_STATUSES = [
  "accepted",
  "contacted",
  "meeting",
  "qualified",
  "proposal",
] as const satisfies readonly LeadStatus[];
/** What counts against a partner's capacity: offered plus working. */
export const CAPACITY_STATUSES = ["offered", ...WORKING_STATUSES] as const satisfies readonly LeadStatus[];
export const CLOSED_STATUSES = ["won", "lost"] as const satisfies readonly LeadStatus[];
/** Open: anything not won or lost (duplicate detection runs against these). */
export const OPEN_STATUSES = ["new", "held", ...CAPACITY_STATUSES] as const satisfies readonly LeadStatus[];

/** The statuses a partner may set while working a lead (won/lost need a value or a reason). */
export const PARTNER_SETTABLE = ["contacted", "meeting", "qualified", "proposal", "won", "lost"] as const;

export const leadStatusLabels: Record<LeadStatus, string> = {
  new: "New",
  held: "Held",
  offered: "Offered",
  accepted: "Accepted",
  contacted: "Contacted",
  meeting: "Meeting",
  qualified: "Qualified",
  proposal: "Proposal",
  won: "Won",
  lost: "Lost",
};

export const declineReasons = ["no_capacity", "outside_territory", "not_qualified", "other"] as const;
export type DeclineReason = (typeof declineReasons)[number];
export const declineReasonLabels: Record<DeclineReason, string> = {
  no_capacity: "No capacity",
  outside_territory: "Outside our territory",
  not_qualified: "Not qualified for it",
  other: "Other",
};

/** "L-000123": the reference people quote. */
export function leadRef(number: number): string {
  return `L-${String(number).padStart(6, "0")}`;
}

export function isWorking(status: LeadStatus): boolean {
  return (WORKING_STATUSES as readonly LeadStatus[]).includes(status);
}

/** The lead history's event kinds, as people read them (partner and vendor views). */
export const leadEventLabels: Record<string, string> = {
  created: "Created",
  routed: "Routed",
  unroutable: "No eligible partner",
  offered: "Offered",
  reminded: "Reminder sent",
  accepted: "Accepted",
  declined: "Declined",
  expired: "Offer expired",
  recalled: "Offer recalled",
  held: "Held",
  released: "Released",
  returned: "Returned to the vendor",
  attention: "Needs attention",
  status: "Status changed",
  next_step: "Next step",
  note: "Note",
  converted: "Converted to a deal registration",
};
