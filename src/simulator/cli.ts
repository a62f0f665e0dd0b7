#!/usr/bin/env node
/**
 * Runs the simulator alone: `node nodes/simulator/cli.js [options]`. Prints the URL and the demo credentials
 * (it is a test tool) and stops cleanly on SIGINT/SIGTERM. `--help` lists the options.
 */
import { startSimulator, type RateLimitSpec, type Simulator, type SimulatorOptions } from "./index";

export const USAGE = `Usage: node nodes/simulator/cli.js [options]

  --port N                     port to listen on (default 8787; 0 = any free port)
  --host H                     address to listen on (default 127.0.0.1)
  --seed N                     fleet seed (default 1)
  --flatpeak-devices N         Flatpeak devices (default 240)
  --flatpeak-sites N           Flatpeak sites (default 8)
  --blynk-devices N            Blynk devices (default 2400)
  --latency MS                 delay added to every answer (default 0)
  --rate-limit-blynk SPEC      LIMIT/WINDOWMS, LIMIT/WINDOWMS/retry-after, or none (default 10000/60000)
  --rate-limit-flatpeak SPEC   same form (default none)
  --token-lifetime-flatpeak S  bearer token lifetime in seconds (default 3600)
  --token-lifetime-blynk S     access token lifetime in seconds (default 86400)
  --start-time T               epoch ms or ISO date the fleet's relative times count back from (default now)
  --log                        print one line per request (method, path without secrets, status)
  --json                       print the start-up details as one JSON line instead of text
  --help                       this text
`;

/** A bad command line (the usage text follows the message). */
export class UsageError extends Error {
  override name = "UsageError";
}

export interface CliConfig {
  options: SimulatorOptions;
  log: boolean;
  json: boolean;
  help: boolean;
}

function parseRateLimit(flag: string, v: string): RateLimitSpec | null {
  if (v === "none" || v === "off") return null;
  const m = /^(\d+)\/(\d+)(\/retry-after)?$/.exec(v);
  if (!m || Number(m[2]) <= 0) throw new UsageError(`${flag}: expected LIMIT/WINDOWMS[/retry-after] or none, got "${v}"`);
  return { limit: Number(m[1]), windowMs: Number(m[2]), retryAfter: m[3] !== undefined };
}

function parseNumber(flag: string, v: string | undefined, integer = true): number {
  const n = Number(v);
  if (v === undefined || v.trim() === "" || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${flag}: expected a ${integer ? "whole " : ""}number >= 0, got "${v ?? ""}"`);
  }
  return n;
}

/** Parses the command line (without `node` and the script). Throws a UsageError with a one-line message. */
export function parseArgs(argv: string[]): CliConfig {
  const cfg: CliConfig = { options: { port: 8787, controlApi: true }, log: false, json: false, help: false };
  const o = cfg.options;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const takeValue = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--help":
      case "-h":
        cfg.help = true;
        break;
      case "--log":
        cfg.log = true;
        break;
      case "--json":
        cfg.json = true;
        break;
      case "--port":
        o.port = parseNumber(flag, takeValue());
        if (o.port > 65535) throw new UsageError("--port: expected 0..65535");
        break;
      case "--host":
        o.host = takeValue();
        break;
      case "--seed":
        o.seed = parseNumber(flag, takeValue());
        break;
      case "--flatpeak-devices":
        o.flatpeakDevices = parseNumber(flag, takeValue());
        break;
      case "--flatpeak-sites":
        o.flatpeakSites = parseNumber(flag, takeValue());
        break;
      case "--blynk-devices":
        o.blynkDevices = parseNumber(flag, takeValue());
        break;
      case "--latency":
        o.latencyMs = parseNumber(flag, takeValue(), false);
        break;
      case "--rate-limit-blynk":
        o.rateLimit = { ...o.rateLimit, blynk: parseRateLimit(flag, takeValue()) };
        break;
      case "--rate-limit-flatpeak":
        o.rateLimit = { ...o.rateLimit, flatpeak: parseRateLimit(flag, takeValue()) };
        break;
      case "--token-lifetime-flatpeak":
        o.tokenLifetimeSec = { ...o.tokenLifetimeSec, flatpeak: parseNumber(flag, takeValue(), false) };
        break;
      case "--token-lifetime-blynk":
        o.tokenLifetimeSec = { ...o.tokenLifetimeSec, blynk: parseNumber(flag, takeValue(), false) };
        break;
      case "--start-time": {
        const v = takeValue();
        const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
        if (Number.isNaN(t)) throw new UsageError(`--start-time: expected epoch ms or an ISO date, got "${v}"`);
        o.startTime = t;
        break;
      }
      default:
        throw new UsageError(`unknown option ${arg}`);
    }
  }
  return cfg;
}

/** The start-up text: the URL, the demo credentials (a Flatpeak account on each release), the control API. */
export function banner(sim: Simulator): string {
  const c = sim.credentials;
  return [
    `Device cloud simulator listening on ${sim.url}`,
    ...sim.accounts.flatpeak.map((a) => `  Flatpeak  account id ${a.clientId}   API key ${a.clientSecret}   release ${a.release}`),
    `  Blynk     client id  ${c.blynk.clientId}   client secret ${c.blynk.clientSecret}`,
    `  Fleet     ${sim.fleet.flatpeak.devices.length} Flatpeak devices, ${sim.fleet.flatpeak.sites.length} sites, ${sim.fleet.blynk.devices.length} Blynk devices`,
    `  Control   ${sim.url}/_simulator/stats (see docs/simulator.md)`,
    "Press Ctrl+C to stop.",
  ].join("\n");
}

export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s + "\n")): Promise<Simulator | null> {
  const cfg = parseArgs(argv);
  if (cfg.help) {
    out(USAGE);
    return null;
  }
  if (cfg.log) cfg.options.log = (line) => out(line);
  const sim = await startSimulator(cfg.options);
  out(cfg.json ? JSON.stringify({ url: sim.url, port: sim.port, credentials: sim.credentials, accounts: sim.accounts }) : banner(sim));
  return sim;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (sim) => {
      if (!sim) return;
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        process.stdout.write(`${signal}: stopping\n`);
        sim.close().then(() => process.exit(0), () => process.exit(1));
      };
      process.once("SIGINT", () => stop("SIGINT"));
      process.once("SIGTERM", () => stop("SIGTERM"));
    },
    (e: Error) => {
      process.stderr.write(e instanceof UsageError ? `${e.message}\n\n${USAGE}` : `cannot start the simulator: ${e.message}\n`);
      process.exitCode = e instanceof UsageError ? 2 : 1;
    },
  );
}
