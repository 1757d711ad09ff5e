// What TWS knows about an underlying before any price: its conId (reqContractDetails) and
// the expirations and strikes of its options (reqSecDefOptParams). Both change rarely, so
// they are kept: the conId for the life of the provider, the option parameters for the New
// York day (new weeklies are listed overnight).
import type { IBApi } from "@stoqey/ib";
import { RpcError, unavailable } from "../../../common/errors.js";
import type { Logger } from "../../../common/logger.js";
import { newYorkDate } from "../../../engine/new-york-time.js";
import type { IbConnection, OptionParameters, RequestHandler } from "./ib-connection.js";
import { resolvedStockContract, stockContract, USD } from "./ib-contracts.js";
import { IbCode, noOptionsListed, RETRY_DELAY_MS, requestErrorAction, symbolNotFound } from "./ib-errors.js";
import { Priority, type MessagePacer } from "./message-pacer.js";
import { standardClasses } from "./option-classes.js";

export interface Underlying {
  readonly symbol: string;
  readonly conId: number;
  readonly primaryExchange?: string | undefined;
}

export interface ContractLookupOptions {
  readonly connection: IbConnection;
  readonly pacer: MessagePacer;
  readonly timeoutMs: number;
  readonly logger: Logger;
  readonly now: () => Date;
}

/** How often one lookup may be re-sent after error 100 before it is given up. */
const MAX_RESENDS = 10;

export class ContractLookup {
  private readonly options: ContractLookupOptions;
  private readonly underlyings = new Map<string, Underlying>();
  private readonly parameters = new Map<string, { readonly day: string; readonly value: readonly OptionParameters[] }>();

  constructor(options: ContractLookupOptions) {
    this.options = options;
  }

  /** The underlying's conId; NOT_FOUND when TWS has no such US stock or ETF. */
  async underlying(symbol: string, signal?: AbortSignal): Promise<Underlying> {
    const known = this.underlyings.get(symbol);
    if (known) return known;
    const details = await this.request<{ conId: number; primaryExchange?: string | undefined }[]>(
      `contract details of ${symbol}`,
      signal,
      (reqId, api) => api.reqContractDetails(reqId, stockContract(symbol)),
      (collected, done) => ({
        onContractDetails: (detail) => {
          const conId = detail.contract.conId;
          if (conId !== undefined && conId > 0 && (detail.contract.currency ?? USD) === USD) {
            collected.push({ conId, primaryExchange: detail.contract.primaryExch });
          }
        },
        onContractDetailsEnd: done,
      }),
      () => symbolNotFound(symbol),
    );
    const first = details[0];
    if (!first) throw symbolNotFound(symbol);
    const underlying: Underlying = { symbol, conId: first.conId, primaryExchange: first.primaryExchange };
    this.underlyings.set(symbol, underlying);
    return underlying;
  }

  /**
   * The underlying's standard option classes on SMART, of every line TWS lists (one per
   * exchange and trading class; see option-classes.ts). NOT_FOUND when it lists none.
   */
  async optionParameters(underlying: Underlying, signal?: AbortSignal): Promise<readonly OptionParameters[]> {
    const day = newYorkDate(this.options.now());
    const known = this.parameters.get(underlying.symbol);
    if (known?.day === day) return known.value;
    const all = await this.request<OptionParameters[]>(
      `option parameters of ${underlying.symbol}`,
      signal,
      (reqId, api) => api.reqSecDefOptParams(reqId, underlying.symbol, "", "STK", underlying.conId),
      (collected, done) => ({
        onOptionParameters: (parameters) => {
          collected.push(parameters);
        },
        onOptionParametersEnd: done,
      }),
      () => noOptionsListed(underlying.symbol),
    );
    const value = standardClasses(underlying.symbol, all);
    if (value instanceof RpcError) throw value;
    if (value.length < all.length) {
      const skipped = all.filter((line) => !value.includes(line)).map((line) => `${line.tradingClass}@${line.exchange}`);
      this.options.logger.debug({ symbol: underlying.symbol, used: value.map((line) => line.tradingClass), skipped }, "ibkr: option classes");
    }
    this.parameters.set(underlying.symbol, { day, value });
    return value;
  }

  /** The resolved stock contract of an underlying, for its market data. */
  static stock(underlying: Underlying): ReturnType<typeof resolvedStockContract> {
    return resolvedStockContract(underlying.symbol, underlying.conId, underlying.primaryExchange);
  }

  /**
   * Sends one paced request and collects its answers until `done`, a timeout, or an error:
   * error 200 becomes `notFound()`, error 100 sends it again, anything else is UNAVAILABLE.
   */
  private async request<T extends unknown[]>(
    what: string,
    signal: AbortSignal | undefined,
    send: (reqId: number, api: IBApi) => void,
    handler: (collected: T, done: () => void) => RequestHandler,
    notFound: () => RpcError,
  ): Promise<T> {
    const { connection, pacer, timeoutMs } = this.options;
    for (let resends = 0; ; resends++) {
      const outcome = await new Promise<{ kind: "done"; value: T } | { kind: "resend" }>((resolve, reject) => {
        const reqId = connection.nextRequestId();
        const collected = [] as unknown[] as T;
        let settled = false;
        let timer: NodeJS.Timeout | undefined;
        const settle = (): boolean => {
          if (settled) return false;
          settled = true;
          if (timer !== undefined) clearTimeout(timer);
          connection.unregister(reqId);
          signal?.removeEventListener("abort", onAbort);
          return true;
        };
        const fail = (error: unknown): void => {
          if (settle()) reject(error instanceof Error ? error : new Error(String(error)));
        };
        const onAbort = (): void => {
          fail(signal?.reason);
        };
        const done = (): void => {
          if (settle()) {
            pacer.answered();
            resolve({ kind: "done", value: collected });
          }
        };
        connection.register(reqId, {
          ...handler(collected, done),
          onError: (code, message) => {
            const action = requestErrorAction(code);
            if (action.kind === "ignore" || action.kind === "delayed") return;
            if (action.kind === "resend") {
              if (settle()) resolve({ kind: "resend" });
              return;
            }
            if (action.kind === "no-definition") {
              fail(notFound());
              return;
            }
            fail(unavailable(`TWS refused the request for the ${what} (error ${code}): ${message}`, RETRY_DELAY_MS));
          },
          onDisconnect: () => {
            fail(unavailable(`the connection to TWS/IB Gateway dropped while asking for the ${what}`, RETRY_DELAY_MS));
          },
        });
        signal?.addEventListener("abort", onAbort, { once: true });
        pacer
          .send(
            () => {
              if (settled) return;
              if (!connection.send((api) => send(reqId, api))) {
                fail(unavailable(`not connected to TWS/IB Gateway; could not ask for the ${what}`, RETRY_DELAY_MS));
                return;
              }
              timer = setTimeout(() => {
                fail(unavailable(`TWS did not answer the request for the ${what} within ${timeoutMs} ms`, RETRY_DELAY_MS));
              }, timeoutMs);
              timer.unref();
            },
            { priority: Priority.LOOKUP, signal },
          )
          .catch(fail);
      });
      if (outcome.kind === "done") return outcome.value;
      pacer.rateExceeded();
      this.options.logger.debug({ what, resends: resends + 1 }, "ibkr: lookup refused by TWS pacing (error 100); sending it again");
      if (resends >= MAX_RESENDS) {
        throw unavailable(`TWS kept refusing the request for the ${what} with error ${IbCode.MESSAGE_RATE_EXCEEDED} (message rate exceeded)`, RETRY_DELAY_MS);
      }
    }
  }
}
