// What an IBApi of the real @stoqey/ib emitted, recorded in arrival order for a test to look
// through: the tests of the fake TWS read the library's events, never the fake's bytes.
import { EventName, IBApi, type ContractDetails, type ErrorCode, type TickType } from "@stoqey/ib";

export interface ErrorEvent {
  readonly message: string;
  readonly code: number;
  readonly reqId: number;
}
export interface InfoEvent {
  readonly message: string;
  readonly code: number;
}
export interface Tick {
  readonly reqId: number;
  readonly field: number;
  readonly value: number | undefined;
}
export interface Computation {
  readonly reqId: number;
  readonly field: number;
  readonly impliedVolatility: number | undefined;
  readonly delta: number | undefined;
  readonly optionPrice: number | undefined;
  readonly pvDividend: number | undefined;
  readonly gamma: number | undefined;
  readonly vega: number | undefined;
  readonly theta: number | undefined;
  readonly underlyingPrice: number | undefined;
}
export interface OptionParameters {
  readonly reqId: number;
  readonly exchange: string;
  readonly underlyingConId: number;
  readonly tradingClass: string;
  readonly multiplier: number;
  readonly expirations: string[];
  readonly strikes: number[];
}

/** Everything an IBApi emitted, in arrival order, for the assertions to look through. */
export class Recorder {
  readonly servers: { version: number; connectionTime: string }[] = [];
  readonly nextValidIds: number[] = [];
  readonly accounts: string[] = [];
  readonly errors: ErrorEvent[] = [];
  readonly infos: InfoEvent[] = [];
  readonly prices: Tick[] = [];
  readonly sizes: Tick[] = [];
  readonly computations: Computation[] = [];
  readonly snapshotEnds: number[] = [];
  readonly dataTypes: { reqId: number; type: number }[] = [];
  readonly details: { reqId: number; details: ContractDetails }[] = [];
  readonly detailsEnds: number[] = [];
  readonly optionParameters: OptionParameters[] = [];
  readonly optionParametersEnds: number[] = [];
  readonly currentTimes: number[] = [];
  disconnects = 0;

  constructor(api: IBApi) {
    api
      .on(EventName.server, (version: number, connectionTime: string) => this.servers.push({ version, connectionTime }))
      .on(EventName.nextValidId, (orderId: number) => this.nextValidIds.push(orderId))
      .on(EventName.managedAccounts, (accounts: string) => this.accounts.push(accounts))
      .on(EventName.disconnected, () => (this.disconnects += 1))
      .on(EventName.error, (error: Error, code: ErrorCode, reqId: number) => this.errors.push({ message: error.message, code, reqId }))
      .on(EventName.info, (message: string, code: number) => this.infos.push({ message, code }))
      .on(EventName.tickPrice, (reqId: number, field: TickType, value: number) => this.prices.push({ reqId, field, value }))
      .on(EventName.tickSize, (reqId: number, field?: TickType, value?: number) => this.sizes.push({ reqId, field: field ?? -1, value }))
      .on(
        EventName.tickOptionComputation,
        (
          reqId: number,
          field: TickType,
          _attrib: number | undefined,
          impliedVolatility?: number,
          delta?: number,
          optionPrice?: number,
          pvDividend?: number,
          gamma?: number,
          vega?: number,
          theta?: number,
          underlyingPrice?: number,
        ) => this.computations.push({ reqId, field, impliedVolatility, delta, optionPrice, pvDividend, gamma, vega, theta, underlyingPrice }),
      )
      .on(EventName.tickSnapshotEnd, (reqId: number) => this.snapshotEnds.push(reqId))
      .on(EventName.marketDataType, (reqId: number, type: number) => this.dataTypes.push({ reqId, type }))
      .on(EventName.contractDetails, (reqId: number, details: ContractDetails) => this.details.push({ reqId, details }))
      .on(EventName.contractDetailsEnd, (reqId: number) => this.detailsEnds.push(reqId))
      .on(
        EventName.securityDefinitionOptionParameter,
        // The library types the multiplier as a string but decodes it with readDouble.
        (reqId: number, exchange: string, underlyingConId: number, tradingClass: string, multiplier: string, expirations: string[], strikes: number[]) =>
          this.optionParameters.push({ reqId, exchange, underlyingConId, tradingClass, multiplier: Number(multiplier), expirations, strikes }),
      )
      .on(EventName.securityDefinitionOptionParameterEnd, (reqId: number) => this.optionParametersEnds.push(reqId))
      .on(EventName.currentTime, (time: number) => this.currentTimes.push(time));
  }

  errorsOf(code: number): ErrorEvent[] {
    return this.errors.filter((error) => error.code === code);
  }

  pricesOf(reqId: number): Tick[] {
    return this.prices.filter((tick) => tick.reqId === reqId);
  }
}
