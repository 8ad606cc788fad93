/**
 * Taking a service over from another member (docs/controller.md, "Ownership"). The group moves
 * a partition to this member only after the previous owner gave it up, but that owner may still
 * have a step in flight, and it keeps doing time-driven steps until it notices its scores
 * stopped coming (1.5 window intervals). So a member that takes over a service whose latest
 * decision is another member's and still valid waits for HANDOVER_WINDOWS distinct windows
 * (≥ 2 intervals after its first) before publishing, keeping the scores meanwhile; proxies hold a
 * valid decision all along. It never waits past that decision's expiry (minus a margin). Pure.
 */

/** Distinct windows a member taking a service over waits for before it publishes. */
export const HANDOVER_WINDOWS = 3;
/** The most a wait may eat into the predecessor's decision's time to live. */
const MAX_EXPIRY_MARGIN_MS = 2_000;

export interface Handover {
  /** Windows seen by this member when it took over. */
  readonly fromWindows: number;
  /** Stop waiting at this time whatever came. */
  readonly deadlineMs: number;
  /** The member whose decision is being taken over. */
  readonly from: string;
}

/** The latest decision a member takes a service over from (the wire's fields it needs). */
export interface Predecessor {
  readonly issuedBy: string;
  readonly expiresAtMs: number;
}

/** The wait a takeover needs: none when the latest decision is this member's own or has expired. */
export function handoverFor(latest: Predecessor, member: string, atMs: number, windowsSeen: number, decisionTtlMs: number): Handover | null {
  if (latest.issuedBy === member || atMs >= latest.expiresAtMs) return null;
  return { fromWindows: windowsSeen, deadlineMs: latest.expiresAtMs - Math.min(decisionTtlMs / 4, MAX_EXPIRY_MARGIN_MS), from: latest.issuedBy };
}

/** Whether the member must keep waiting (and keep its scores) instead of deciding now. */
export function handoverWaiting(h: Handover, windowsSeen: number, atMs: number): boolean {
  return windowsSeen - h.fromWindows < HANDOVER_WINDOWS && atMs < h.deadlineMs;
}
