import assert from "node:assert/strict";
import sinon from "sinon";
import { Gate, MIN_LEARNED_LIMIT } from "../../src/api/gate";
import { TokenSource } from "../../src/api/token";
import { DeviceCloudError } from "../../src/api/errors";

describe("the account gate (concurrency, rate window, 429 learning)", () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 1_000_000, toFake: ["setTimeout", "clearTimeout", "Date"] });
  });
  afterEach(() => clock.restore());

  const started = (g: Gate, n: number) => {
    const order: number[] = [];
    const all = Array.from({ length: n }, (_, i) => g.acquire().then(() => order.push(i)));
    return { order, all };
  };

  it("lets at most `concurrency` requests in, in arrival order", async () => {
    const g = new Gate({ concurrency: 3, windowMs: 1000 });
    const { order } = started(g, 5);
    await clock.tickAsync(0);
    assert.deepEqual(order, [0, 1, 2]);
    g.release();
    await clock.tickAsync(0);
    assert.deepEqual(order, [0, 1, 2, 3]);
    g.release();
    g.release();
    await clock.tickAsync(0);
    assert.deepEqual(order, [0, 1, 2, 3, 4]);
    g.close();
  });

  it("never lets more than `limit` requests start in any window", async () => {
    const g = new Gate({ concurrency: 100, limit: 4, windowMs: 1000 });
    const { order } = started(g, 10);
    await clock.tickAsync(0);
    assert.equal(order.length, 4);
    for (let i = 0; i < 4; i++) g.release();
    assert.equal(g.rateBlocked(), true);
    // The window enforced is the cloud's plus a guard of max(250 ms, 5 %) for the send-to-arrival delay.
    await clock.tickAsync(1_249);
    assert.equal(order.length, 4);
    await clock.tickAsync(2);
    assert.equal(order.length, 8);
    g.close();
  });

  it("learns the limit from a 429 the account caused, and pauses everyone until Retry-After", async () => {
    const g = new Gate({ concurrency: 100, windowMs: 60_000 });
    for (let i = 0; i < 25; i++) {
      await g.acquire();
      g.noteAccepted(Date.now());
      g.release();
    }
    g.on429(5_000, true);
    assert.equal(g.currentLimit, 25);
    const { order } = started(g, 1);
    await clock.tickAsync(4_999);
    assert.equal(order.length, 0, "paused");
    // After the pause the window still holds 26 sends (25 accepted + the refused one): wait for them to age out.
    await clock.tickAsync(60_000);
    assert.equal(order.length, 1);
    g.close();
  });

  it("learns nothing from a 429 after only a handful of requests (not this account's pace)", async () => {
    const g = new Gate({ concurrency: 10, windowMs: 60_000 });
    for (let i = 0; i < MIN_LEARNED_LIMIT - 1; i++) {
      await g.acquire();
      g.noteAccepted(Date.now());
      g.release();
    }
    g.on429(1_000, true);
    assert.equal(g.currentLimit, Infinity);
    g.close();
  });

  it("gives a learned limit back slowly once a whole window passed without waiting or 429", async () => {
    const g = new Gate({ concurrency: 100, windowMs: 1_000 });
    for (let i = 0; i < 20; i++) {
      await g.acquire();
      g.noteAccepted(Date.now());
      g.release();
    }
    g.on429(0, false);
    assert.equal(g.currentLimit, 20);
    await clock.tickAsync(1_300);
    await g.acquire();
    g.release();
    assert.equal(g.currentLimit, 25);
    g.close();
  });

  it("rejects waiters when closed or aborted", async () => {
    const g = new Gate({ concurrency: 1, windowMs: 1000 });
    await g.acquire();
    const ac = new AbortController();
    const a = g.acquire(ac.signal);
    const b = g.acquire();
    ac.abort();
    await assert.rejects(a, { name: "CancelledError" });
    g.close();
    await assert.rejects(b, { name: "CancelledError" });
  });
});

describe("the token source (single flight, renewal, refused logins)", () => {
  it("logs in once for concurrent callers and renews before expiry", async () => {
    const clock = sinon.useFakeTimers({ now: 0, toFake: ["Date"] });
    try {
      const login = sinon.stub().callsFake(async () => ({ token: `t${login.callCount}`, expiresIn: 100 }));
      const ts = new TokenSource(login);
      const got = await Promise.all([ts.get(), ts.get(), ts.get()]);
      assert.deepEqual(got, ["t1", "t1", "t1"]);
      assert.equal(login.callCount, 1);
      clock.tick(89_000);
      assert.equal(await ts.get(), "t1");
      clock.tick(1_001); // within the last tenth of the lifetime: renewed before it runs out
      assert.equal(await ts.get(), "t2");
      ts.invalidate("t1"); // a stale refusal does not drop the newer token
      assert.equal(await ts.get(), "t2");
      ts.invalidate("t2");
      assert.equal(await ts.get(), "t3");
    } finally {
      clock.restore();
    }
  });

  it("remembers a refused login for a while instead of hammering the cloud", async () => {
    const refused = new DeviceCloudError("AUTH_FAILED", "refused");
    const login = sinon.stub().rejects(refused);
    const ts = new TokenSource(login);
    await assert.rejects(ts.get(), refused);
    await assert.rejects(ts.get(), refused);
    assert.equal(login.callCount, 1);
  });
});
