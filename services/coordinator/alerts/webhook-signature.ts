// The signature a webhook receiver checks: the HMAC-SHA256 of the exact body bytes, keyed with
// the saved scan's secret, as lower-case hex after "sha256=".
import { createHmac } from "node:crypto";

export const SIGNATURE_HEADER = "X-Spreadscan-Signature";
export const EVENT_ID_HEADER = "X-Spreadscan-Event-Id";

export function webhookSignature(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}
