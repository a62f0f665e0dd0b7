#!/usr/bin/env node
"use strict";
/**
 * The Flow Library scorecard and the package contents, as a gate (`npm run validate`):
 *
 * 1. builds the package (`npm run build`; skip with --no-build),
 * 2. runs `npx --yes node-red-dev@0.1.6 validate -o scorecard.json` with scripts/stub-catalogue.cjs preloaded
 *    (the tool's one call to catalogue.nodered.org is answered with an empty list), and fails on any check that
 *    is not a pass: node-red-dev itself exits 0 on warnings, so scorecard.json is read instead,
 * 3. lists what `npm pack` would ship and fails on anything a user does not need (tests, sources, source maps,
 *    scratch folders) or on anything missing (a node's js/html, its locales, an icon its html names, an example).
 *
 * Prints one line per check and a closing line "N passed, N failed"; exits 1 on any failure.
 */
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.join(__dirname, "..");
const args = new Set(process.argv.slice(2));
const NODE_RED_DEV = "node-red-dev@0.1.6";
/** Every check the scorecard runs (P02 is disabled in node-red-dev itself). */
const SCORECARD = {
  P01: "license",
  P03: "repository or bugs link",
  P04: "scoped package name",
  P05: "node-red keyword",
  P06: "node-red.version satisfied by the current Node-RED",
  P07: "engines.node satisfied by the current Node-RED's Node.js",
  P08: "no similarly named package",
  N01: "node types unique in the catalogue",
  N02: "every node used in an example",
  D01: "at most 6 dependencies",
  D02: "no known-bad package in the dependency tree",
  D03: "dependencies on their latest major",
};

let passed = 0;
let failed = 0;
function check(ok, what, detail) {
  if (ok) passed++;
  else failed++;
  process.stdout.write(`${ok ? "ok  " : "FAIL"} ${what}${detail ? `: ${detail}` : ""}\n`);
}

function run(cmd, argv, opts = {}) {
  const res = spawnSync(cmd, argv, { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...opts });
  if (res.error) throw res.error;
  return res;
}

function main() {
  if (!args.has("--no-build")) {
    const b = run("npm", ["run", "--silent", "build"], { stdio: "inherit" });
    check(b.status === 0, "npm run build", b.status === 0 ? "" : `exit ${b.status}`);
    if (b.status !== 0) return;
  }

  // 1. The scorecard.
  const out = path.join(root, "scorecard.json");
  fs.rmSync(out, { force: true });
  const stub = path.join(__dirname, "stub-catalogue.cjs");
  const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS || ""} --require ${JSON.stringify(stub)}`.trim() };
  const started = Date.now();
  const v = run("npx", ["--yes", NODE_RED_DEV, "validate", "-o", out], { env, stdio: ["ignore", "pipe", "pipe"] });
  process.stdout.write(indent(v.stdout + v.stderr));
  check(v.status === 0, `${NODE_RED_DEV} validate ran`, `exit ${v.status} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  let card = {};
  try {
    card = JSON.parse(fs.readFileSync(out, "utf8"));
  } catch (e) {
    check(false, "scorecard.json written", e.message);
  }
  for (const [id, what] of Object.entries(SCORECARD)) {
    const r = card[id];
    const detail = r === undefined ? "not in the scorecard (check did not run)" : r.test === true ? "" : JSON.stringify(r);
    check(r !== undefined && r.test === true, `scorecard ${id} ${what}`, detail);
  }
  for (const id of Object.keys(card)) {
    if (id !== "package" && !(id in SCORECARD)) check(card[id] && card[id].test === true, `scorecard ${id} (unexpected check)`, JSON.stringify(card[id]));
  }
  // N01 and N02 judge only the types node-red-dev could read (a registerType call in the html with a literal type
  // and an inline definition): a type it cannot read passes both unseen, so each must have been read.
  const unread = [...(v.stdout + v.stderr).matchAll(/Unable to parse\s+(\S+)/g)].map((m) => m[1]);
  check(unread.length === 0, "scorecard read every node's type and definition from its html", unread.length ? `not read: ${unread.join(", ")}` : "");
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  const flowTypes = Object.entries(pkg["node-red"].nodes)
    .filter(([, js]) => !/category:\s*["']config["']/.test(fs.readFileSync(path.join(root, js.replace(/\.js$/, ".html")), "utf8")))
    .map(([type]) => type);
  const seen = new Set((card.N02 && card.N02.nodes) || []);
  const unseen = flowTypes.filter((t) => !seen.has(t));
  check(unseen.length === 0, `scorecard N02 saw each of the ${flowTypes.length} flow node types in an example`, unseen.length ? `not seen: ${unseen.join(", ")}` : "");

  // 2. What npm pack ships (scripts are not run: the build above is what prepack would make).
  const p = run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { stdio: ["ignore", "pipe", "pipe"] });
  let files;
  try {
    files = JSON.parse(p.stdout)[0].files.map((f) => f.path);
  } catch (e) {
    check(false, "npm pack --dry-run --json", `${e.message} ${p.stderr.slice(0, 500)}`);
    return;
  }
  checkPackContents(files, root);
}

/**
 * The shipped files: only what a user needs, and all of it. `files` are paths inside the package; `baseDir` holds
 * the package as built (the project root, or an installed tarball). Exported for the end-to-end test.
 */
function checkPackContents(files, baseDir = root, report = check) {
  const allowed = [
    /^package\.json$/,
    /^README\.md$/,
    /^LICENSE$/,
    /^CHANGELOG\.md$/,
    /^nodes\/.+\.js$/,
    /^nodes\/[^/]+\.html$/,
    /^nodes\/locales\/[^/]+\/[^/]+\.(json|html)$/,
    /^nodes\/icons\/[^/]+\.svg$/,
    /^resources\/[^/]+\.(js|css|svg|png)$/,
    /^examples\/[^/]+\.json$/,
  ];
  const stray = files.filter((f) => !allowed.some((re) => re.test(f)));
  report(stray.length === 0, "npm pack ships only nodes/ js/html, locales, icons, resources, examples, README, LICENSE, CHANGELOG", stray.length ? `also: ${stray.slice(0, 20).join(", ")}` : `${files.length} files`);

  const have = new Set(files);
  const pkg = JSON.parse(fs.readFileSync(path.join(baseDir, "package.json"), "utf8"));
  const missing = [];
  for (const f of ["package.json", "README.md", "LICENSE", "CHANGELOG.md"]) if (!have.has(f)) missing.push(f);
  const icons = new Set();
  const langs = new Set();
  for (const [type, js] of Object.entries(pkg["node-red"].nodes)) {
    const rel = path.posix.normalize(js);
    const dir = path.posix.dirname(rel);
    const html = rel.replace(/\.js$/, ".html");
    for (const f of [rel, html]) if (!have.has(f)) missing.push(f);
    const localeDir = path.join(baseDir, dir, "locales");
    const found = fs.existsSync(localeDir) ? fs.readdirSync(localeDir) : [];
    if (!found.includes("en-US")) missing.push(`${dir}/locales/en-US`);
    for (const lang of found) {
      langs.add(lang);
      const json = `${dir}/locales/${lang}/${type}.json`;
      if (!have.has(json)) missing.push(json);
    }
    const htmlFile = path.join(baseDir, html);
    if (fs.existsSync(htmlFile)) for (const icon of iconsOf(fs.readFileSync(htmlFile, "utf8"))) icons.add(`${dir}/icons/${icon}`);
  }
  for (const i of icons) if (!have.has(i)) missing.push(i);
  if (!files.some((f) => f.startsWith("examples/"))) missing.push("examples/*.json");
  report(missing.length === 0, "npm pack ships every node's js, html, locales and icons, the examples, README, LICENSE, CHANGELOG", missing.length ? `missing: ${missing.join(", ")}` : `${icons.size} icons, locales ${[...langs].join(", ")}`);
}

/** Tool output, indented, without npm's noise about the machine's ~/.npmrc. */
function indent(text) {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "" && !/^npm warn Unknown user config/.test(l))
    .map((l) => `    | ${l}\n`)
    .join("");
}

/** The icon file names a node html names in its definition (`icon: "x.svg"`), stock font-awesome ones left out. */
function iconsOf(html) {
  const out = [];
  for (const m of html.matchAll(/\bicon\s*:\s*["']([^"']+\.(?:svg|png))["']/g)) out.push(m[1]);
  return out;
}

module.exports = { checkPackContents, iconsOf };

if (require.main === module) {
  try {
    main();
  } catch (e) {
    check(false, "validate", e && e.stack ? e.stack : String(e));
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exitCode = failed ? 1 : 0;
}
