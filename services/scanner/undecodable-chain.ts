// A chain's bytes that do not decode on their own, though the request around them did:
// ts-proto's decoder lets a nested field run past the end of its message and reads on into
// the bytes after it, so an inline Scan's chain, cut out of its request, can fail to decode
// alone. The thread says so with this message, and the chain is then sent as the request
// decoder read it (spread-scanner.ts).
export const UNDECODABLE_CHAIN = "the chain's bytes do not decode on their own";

export function isUndecodableChain(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith(UNDECODABLE_CHAIN);
}
