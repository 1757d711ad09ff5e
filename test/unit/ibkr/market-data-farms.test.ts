import { status as GrpcStatus } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { farmName, MarketDataFarms } from "../../../services/coordinator/market/ibkr/market-data-farms.js";

describe("MarketDataFarms", () => {
  it("is ready until TWS says a farm connects, and again once every farm it named is OK", async () => {
    const farms = new MarketDataFarms();
    expect(farms.ready).toBe(true);
    farms.notice("farm-connecting", 2119, "Market data farm is connecting:usfarm");
    farms.notice("farm-broken", 2103, "Market data farm connection is broken:usopt");
    expect(farms.ready).toBe(false);
    expect(farms.describe()).toBe("usfarm (2119), usopt (2103)");
    const waiting = farms.whenReady(10_000);
    farms.notice("farm-ok", 2104, "Market data farm connection is OK:usfarm");
    expect(farms.ready).toBe(false);
    farms.notice("farm-ok", 2108, "Market data farm connection is inactive but should be available upon demand.usopt:usopt");
    expect(farms.ready).toBe(true);
    await expect(waiting).resolves.toBe(true);
  });

  it("counts only the farms of US stocks and options: another market's farm left broken holds nothing", async () => {
    const farms = new MarketDataFarms();
    farms.notice("farm-broken", 2103, "Market data farm connection is broken:cashfarm");
    farms.notice("farm-connecting", 2119, "Market data farm is connecting:eufarm");
    farms.notice("farm-broken", 2103, "Market data farm connection is broken:usfuture");
    expect(farms.ready).toBe(true);
    await expect(farms.whenReady(10_000)).resolves.toBe(true);
    farms.notice("farm-broken", 2103, "Market data farm connection is broken:usopt.nj");
    farms.notice("farm-connecting", 2119, "Market data farm is connecting:usfarm.nj");
    farms.notice("farm-connecting", 2119, "Market data farm is connecting");
    expect(farms.describe()).toBe("usopt.nj (2103), usfarm.nj (2119), unnamed farm (2119)");
  });

  it("a new session forgets what the last one said", async () => {
    const farms = new MarketDataFarms();
    farms.notice("farm-connecting", 2119, "Market data farm is connecting:usfarm");
    const waiting = farms.whenReady(10_000);
    farms.reset();
    await expect(waiting).resolves.toBe(true);
  });

  it("a wait ends false when the signal aborts or its time passes, and the error says which farm", async () => {
    const farms = new MarketDataFarms();
    farms.notice("farm-connecting", 2119, "Market data farm is connecting:usfarm");
    const controller = new AbortController();
    const waiting = farms.whenReady(10_000, controller.signal);
    controller.abort();
    await expect(waiting).resolves.toBe(false);
    await expect(farms.whenReady(1)).resolves.toBe(false);
    const error = farms.notReady(30_000);
    expect(error.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(error.message).toContain("usfarm (2119)");
  });

  it("tells watchers each change between serving and not, once per change, until they stop watching", () => {
    const farms = new MarketDataFarms();
    const heard: boolean[] = [];
    const stop = farms.watch((ready) => heard.push(ready));
    farms.notice("farm-broken", 2103, "Market data farm connection is broken:usfarm");
    farms.notice("farm-broken", 2103, "Market data farm connection is broken:usopt");
    farms.notice("farm-ok", 2104, "Market data farm connection is OK:usfarm");
    farms.notice("farm-ok", 2104, "Market data farm connection is OK:usopt");
    farms.notice("farm-ok", 2104, "Market data farm connection is OK:usopt");
    farms.notice("farm-connecting", 2119, "Market data farm is connecting:usfarm");
    farms.reset();
    farms.reset();
    stop();
    farms.notice("farm-broken", 2103, "Market data farm connection is broken:usfarm");
    expect(heard).toEqual([false, true, false, true]);
  });

  it("reads the farm's name after the last colon", () => {
    expect(farmName("Market data farm is connecting:usfarm.nj")).toBe("usfarm.nj");
    expect(farmName("Market data farm connection is OK")).toBe("");
  });
});
