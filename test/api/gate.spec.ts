import assert from "node:assert/strict";
import sinon from "sinon";
import { Gate } from "../../src/api/gate";
import { TokenSource } from "../../src/api/token";
import { DeviceCloudError } from "../../src/api/errors";
import { parseRetryAfter } from "../../src/api/transport";

describe("the account gate (concurrency, an even rate, fair turns)", () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 1_000_000, toFake: ["setTimeout", "clearTimeout", "Date"] });
  });
  afterEach(() => clock.restore());

  const started = (g: Gate, n: number, lane?: object) => {
    const order: number[] = [];
    const all = Array.from({ length: n }, (_, i) => g.acquire(undefined, lane).then(() => order.push(i)));
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

  it("spends Blynk's 10,000 per minute evenly: no window of the cloud gets more, none waits for a window to pass", async () => {
    const g = new Gate({ concurrency: 32, limit: 10_000, windowMs: 60_000 });
    const starts: number[] = [];
    let waited = 0;
    // 40,000 requests queued at once, answered at once: only the bucket holds them back.
    const all = Array.from({ length: 40_000 }, () =>
      g.acquire().then(() => {
        starts.push(Date.now());
        g.release();
      }),
    );
    // A millisecond at a time, the answers in between (tickAsync would yield to the real event loop per timer).
    for (let ms = 0; ms < 250_000 && starts.length < 40_000; ms++) {
      clock.tick(1);
      await Promise.resolve();
      await Promise.resolve();
    }
    await Promise.all(all);
    assert.equal(starts.length, 40_000);
    // Any minute, wherever it begins (the cloud's windows are its own), holds at most 10,000 starts.
    let most = 0;
    for (let i = 0, j = 0; i < starts.length; i++) {
      while (starts[i] - starts[j] >= 60_000) j++;
      most = Math.max(most, i - j + 1);
    }
    assert.ok(most <= 10_000, `${most} starts in one minute`);
    assert.ok(most >= 9_500, `the budget is spent, not wasted: ${most} in the busiest minute`);
    // Evenly: after the first burst (a sixtieth of the limit), no second holds more than the refill rate allows.
    const perSecond = new Map<number, number>();
    for (const t of starts) perSecond.set(Math.floor((t - 1_000_000) / 1000), (perSecond.get(Math.floor((t - 1_000_000) / 1000)) ?? 0) + 1);
    assert.equal(perSecond.get(0)! <= g.burst + 170, true, `first second: ${perSecond.get(0)}`);
    for (const [s, n] of perSecond) if (s > 0) assert.ok(n <= 170, `second ${s}: ${n} starts`);
    // A request that finds budget left starts at once; one that finds the bucket empty waits one token, not a window.
    await clock.tickAsync(120_000);
    const t0 = Date.now();
    await g.acquire();
    g.release();
    assert.equal(Date.now() - t0, 0, "budget left: no wait");
    for (let i = 1; i < g.burst; i++) {
      await g.acquire();
      g.release();
    }
    const t1 = Date.now();
    const p = g.acquire().then(() => (waited = Date.now() - t1));
    await clock.tickAsync(20);
    await p;
    assert.ok(waited > 0 && waited <= Math.ceil(1 / g.ratePerMs), `waited ${waited} ms for one token`);
    g.close();
  });

  it("serves waiting calls in turns: one request of another call goes before the rest of a 10,000-request poll", async () => {
    const g = new Gate({ concurrency: 2, limit: 10_000, windowMs: 60_000 });
    const poll = {};
    const { order: pollOrder } = started(g, 10_000, poll);
    await clock.tickAsync(0);
    assert.equal(pollOrder.length, 2);
    let got = false;
    const other = g.acquire(undefined, {}).then(() => (got = true));
    // Turns go round the calls that wait: the poll (whose turn it is) gets one slot, the other call the next one.
    g.release();
    g.release();
    await clock.tickAsync(0);
    assert.equal(got, true, "the other call's request had one of the next two free slots");
    assert.equal(pollOrder.length, 3);
    await other;
    // The poll goes on with the slots and tokens the other call does not use.
    g.release();
    g.release();
    await clock.tickAsync(0);
    assert.equal(pollOrder.length, 5);
    g.close();
  });

  it("keeps no history: a year at 10 requests a second holds what a minute holds", async function () {
    this.timeout(Number(process.env.GATE_YEAR) ? 600_000 : 60_000);
    // The whole year (315 million requests) takes minutes (more than 15 on a busy machine): GATE_YEAR=1 runs it;
    // by default a week (6 million), which the old gate's log of sends would already have shown growing.
    const seconds = Number(process.env.GATE_YEAR) ? 365 * 86_400 : 7 * 86_400;
    const gates = [new Gate({ concurrency: 32, windowMs: 60_000 }), new Gate({ concurrency: 32, limit: 10_000, windowMs: 60_000 })];
    const run = (n: number) => {
      for (let i = 0; i < n * 10; i++) {
        for (const g of gates) {
          void g.acquire();
          g.release();
        }
        clock.tick(100);
      }
    };
    run(60);
    const afterMinute = gates.map(footprint);
    run(seconds);
    assert.deepEqual(gates.map(footprint), afterMinute);
    for (const g of gates) g.close();
  });

  it("rejects waiters when closed or aborted, and an aborted waiter loses its turn", async () => {
    const g = new Gate({ concurrency: 1, windowMs: 1000 });
    await g.acquire();
    const ac = new AbortController();
    const a = g.acquire(ac.signal, {});
    let bStarted = false;
    const b = g.acquire(undefined, {}).then(() => (bStarted = true));
    const c = g.acquire();
    ac.abort();
    await assert.rejects(a, { name: "CancelledError" });
    assert.equal(g.queued, 2);
    g.release();
    await clock.tickAsync(0);
    assert.equal(bStarted, true);
    await b;
    g.close();
    await assert.rejects(c, { name: "CancelledError" });
    assert.equal(g.queued, 0);
  });
});

/** What a gate holds: its numbers, and the elements of its arrays and maps, counted. */
function footprint(g: Gate): number {
  let n = 0;
  for (const v of Object.values(g)) {
    if (Array.isArray(v)) n += v.length;
    else if (v instanceof Map) n += v.size;
    else n += 1;
  }
  return n;
}

describe("Retry-After as the cloud may send it", () => {
  const now = Date.parse("2026-12-05T12:00:00Z");
  it("reads whole seconds and the three HTTP date forms", () => {
    assert.equal(parseRetryAfter("0", now), 0);
    assert.equal(parseRetryAfter(" 1 ", now), 1000);
    assert.equal(parseRetryAfter("86400", now), 86_400_000);
    assert.equal(parseRetryAfter("Sat, 05 Dec 2026 12:00:30 GMT", now), 30_000);
    assert.equal(parseRetryAfter("Saturday, 05-Dec-26 12:00:30 GMT", now), 30_000);
    assert.equal(parseRetryAfter("Sat Dec  5 12:00:30 2026", now), 30_000);
    assert.equal(parseRetryAfter("Thu, 01 Jan 2099 00:00:00 GMT", now), Date.parse("2099-01-01T00:00:00Z") - now);
    assert.equal(parseRetryAfter("Fri, 04 Dec 2026 12:00:00 GMT", now), 0, "a date in the past: no wait");
  });

  it("treats anything else as no Retry-After", () => {
    for (const garbage of ["", " ", "-1", "1.5", "1e3", "soon", "Infinity", "NaN", "0x10", "2026-12-05T12:00:30Z", "5 Dec 2026", "99999999999999999999"]) {
      assert.equal(parseRetryAfter(garbage, now), undefined, JSON.stringify(garbage));
    }
    assert.equal(parseRetryAfter(undefined, now), undefined);
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
    const clock = sinon.useFakeTimers({ now: 0, toFake: ["Date"] });
    try {
      const refused = new DeviceCloudError("AUTH_FAILED", "refused");
      const login = sinon.stub().rejects(refused);
      const ts = new TokenSource(login);
      await assert.rejects(ts.get(), refused);
      await assert.rejects(ts.get(), refused);
      assert.equal(login.callCount, 1);
      clock.tick(10_001);
      await assert.rejects(ts.get(), refused);
      assert.equal(login.callCount, 2);
    } finally {
      clock.restore();
    }
  });

  it("remembers a login answered 429 until its Retry-After, and one answered 5xx for a back-off that grows", async () => {
    const clock = sinon.useFakeTimers({ now: 0, toFake: ["Date"] });
    try {
      const busy = new DeviceCloudError("RATE_LIMITED", "busy");
      const down = new DeviceCloudError("API_ERROR", "down");
      const answers: Array<() => Promise<never>> = [
        async () => {
          ts.notBefore(Date.now() + 90_000); // as Transport.login does before it throws
          throw busy;
        },
        async () => {
          throw down;
        },
        async () => {
          throw down;
        },
      ];
      const login = sinon.stub().callsFake(() => answers[login.callCount - 1]());
      const ts = new TokenSource(login);
      await assert.rejects(ts.get(), busy);
      clock.tick(89_999);
      await assert.rejects(ts.get(), busy, "within Retry-After: the same error at once");
      assert.equal(login.callCount, 1);
      clock.tick(2);
      await assert.rejects(ts.get(), down);
      assert.equal(login.callCount, 2);
      clock.tick(3_999); // the third failure in a row: the back-off has doubled twice (1 s, 2 s, 4 s)
      await assert.rejects(ts.get(), down);
      assert.equal(login.callCount, 3);
      await assert.rejects(ts.get(), down);
      clock.tick(3_999);
      await assert.rejects(ts.get(), down);
      assert.equal(login.callCount, 3, "4 s after the third failure");
    } finally {
      clock.restore();
    }
  });
});
