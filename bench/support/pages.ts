// What each benchmark's page says besides its figures.
import type { PageSpec } from "./render-page.js";

/** Every benchmark's page, and what it says besides its figures (words only: figures come from runs). */
export const PAGES: readonly PageSpec[] = [
  {
    bench: "engine-throughput",
    title: "Spread engine throughput",
    notes: [
      "The engine alone, on compiled JavaScript on one core: no service, no gRPC, no logging. Rates are those of the median scan of each kind: one scan takes a few milliseconds, so a mean would follow the other tenants of a shared machine more than the engine.",
      "Where the speed comes from: leg filters folded into one flag byte per leg; width windows by binary search; iron spreads grouped by their pair of short legs, whose volatility fixes the wings' expected payoffs (computed once per pair, so that EV comes before POP); a POP ceiling per short leg (verticals) and per iron pair and put wing, from the largest credit they can collect, and for verticals an EV bound from payoffs cached per leg, so that most candidates are ranked out before any logarithm or normal CDF; the top N in a preallocated heap.",
    ],
  },
  {
    bench: "cli-chain-scan",
    title: "One-shot CLI scan of a chain file",
    notes: [
      "What a user of the command line waits for: each run is a fresh process of `bin/spreadscan`, which starts from the CLI's startup snapshot (the JavaScript engine's heap saved by `make build`): the code already compiled to bytecode, the offline scan already run once on another chain while the snapshot was built, but no type feedback or optimised code kept; so the engine's code runs before the JavaScript engine has optimised it; the compiled CLI on plain Node, alternated with it, is reported beside it. The target is the engine's own account of its work (preparation of the chain message, then the query's evaluation to described results), as every scan reports it; the whole process's wall time beside it also holds Node's start-up, loading the modules, reading and parsing the CSV and writing the JSON, which the target leaves out.",
    ],
  },
  {
    bench: "bootstrap-overhead",
    title: "Bootstrap overhead per unary call",
    notes: [
      "The servers answer the same fixed response to the same generated client, in sequential calls over loopback, measured twice. With the client and the servers in one process, a call's whole cost (client, server, kernel) falls on one thread, and the ratio of calls a second is what the bootstrap leaves of the bare server's: the target's figure. With each server in a process of its own, as a service is called, each server's CPU per call is its own. The servers take turns in short blocks, in alternating order, so that the rest of the machine's load falls on all of them alike; a ratio is the median over the rounds of the ratio within each.",
      "A handler that answers from memory reads neither its signal nor its logger, and the bootstrap makes neither for it; the last server's handler reads its signal, as a handler that waits on anything does, which costs an AbortController per call.",
    ],
  },
  {
    bench: "scan-throughput",
    title: "Unary Scan throughput (ghz)",
    notes: [
      "ghz runs on the same cores as the servers, so the absolute figures are conservative; the ratio to the bare server, measured in the same run, is what the target is about. The bare server is a grpc-js server in the benchmark's own process that answers the scanner's response bytes with no work.",
      "A cached result's response message and its bytes are made once per result, so a hit costs the query's validation and normalization, a cache lookup, and the bytes' trip. Cache misses vary the request so that none hits; they run on the scanner's worker threads, and misses of one chain version asked for together are evaluated together.",
    ],
  },
  {
    bench: "watch-fanout",
    title: "WatchSpreads fan-out",
    notes: [
      "The watchers read each message's sequence and chain version from its bytes, stepping over the spreads; one watcher in ten also decodes every message in full and checks it. Decoding every stream in full in one process would measure the machine's cores rather than the scanner.",
      "The scanner's resident memory rises over a run because the JavaScript engine grows its heap before it collects, not because anything is kept.",
    ],
  },
  {
    bench: "ibkr-fetch",
    title: "IBKR chain fetch against the pacing bound",
    notes: [
      "The ibkr provider fetches chains from the fake TWS over loopback TCP through the real @stoqey/ib, each case on a fresh connection so that cached contract lookups do not flatter it. The bound is the time the messages it had to send take at the pacing rate, the first one free; the target is the bound's share of the measured time.",
    ],
  },
  {
    bench: "cluster-throughput",
    title: "One process pair and the cluster",
    notes: [
      "Every process of every fleet shares the same two cores, the load generator included. Scanner replicas add no CPU here: what a replica adds on a machine of its own shows in the CPU each scan costs the coordinators and the scanners (the two CPU columns), from which docs/scaling.md derives its capacity model.",
      "A fresh scan costs CPU on both sides: the coordinator prices a whole chain on the simulated market and encodes it to send inline to a scanner, which decodes, prepares and ranks it. More scanner Scans than scans through the coordinators are retried attempts. Resident memory grows over a run because the JavaScript engine grows its heap before it collects.",
    ],
  },
  {
    bench: "universe-scan",
    title: "Universe scan of the eight simulated symbols",
    notes: [
      "Cold means a coordinator and a scanner just started: the call's figure holds the channel's first connection, code the JavaScript engine has not yet optimised, and every symbol's chain priced and ranked for the first time. Each process pair serves one cold call, so the medians are over fresh pairs; the warm figures come from the first pair after its cold call. The target is taken on the heaviest query a user is likely to send first, the one without flags.",
    ],
  },
  {
    bench: "cache-warming",
    title: "Cache warming: refresh-ahead off and on",
    notes: [
      "A call counts as having waited for a fresh computation when the coordinator says so itself: its ScanResponse has cache_hit false (the answer came from a scan job it ran or joined, not from its cache). With refresh-ahead on, a result asked for in the last part of its TTL is recomputed in the background, so such calls are the first of each query (none is cached after the warm-up's results expire), those whose query nobody asked for during the last part of its previous result's life, and those that came after an expiry while the refresh was still computing (they join its job): on a busy machine a fresh scan can outlast the last part of the TTL.",
      "Each symbol keeps one chain version for the whole run (the simulated market steps once an hour), so the fresh scan made after the load reads the version every answer names; the check compares every distinct answer a client got, without its timings, to that scan.",
    ],
  },
  {
    bench: "tracing-overhead",
    title: "Tracing overhead on cached Scan calls",
    notes: [
      "Cached Scan calls to a coordinator are the path where a fixed cost per call weighs most: with tracing on, each carries a SERVER span and a cache.lookup span, exported in batches over OTLP/HTTP to a sink in the benchmark's process. With tracing off no SDK is loaded and our span call sites are skipped after one boolean test; the baseline checkout, given on the command line, is the code before tracing, measured in the same rounds.",
      "The client, the services and the sink share the machine's cores with whatever else runs on it: the rounds alternate in order so that a change in the host's load falls on every variant alike, and the medians are compared, never single rounds.",
    ],
  },
];
