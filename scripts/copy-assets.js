"use strict";
// Copies what tsc does not: the editor .html files beside the compiled node .js, the locales and the icons.
// Each locale's common.json (status texts and messages every node uses) is merged into every node's catalog,
// so the runtime (RED._) and the editor (node._) find the shared keys in each node's own namespace.
const fs = require("fs");
const path = require("path");
const root = path.join(__dirname, "..");
const srcNodes = path.join(root, "src", "nodes");
const outNodes = path.join(root, "dist", "nodes");
fs.mkdirSync(outNodes, { recursive: true });
for (const f of fs.readdirSync(srcNodes)) {
  if (f.endsWith(".html")) fs.copyFileSync(path.join(srcNodes, f), path.join(outNodes, f));
}
const srcLocales = path.join(srcNodes, "locales");
for (const lang of fs.readdirSync(srcLocales)) {
  const from = path.join(srcLocales, lang);
  const to = path.join(outNodes, "locales", lang);
  fs.mkdirSync(to, { recursive: true });
  const commonFile = path.join(from, "common.json");
  const common = fs.existsSync(commonFile) ? JSON.parse(fs.readFileSync(commonFile, "utf8")) : {};
  for (const f of fs.readdirSync(from)) {
    if (f === "common.json") continue;
    if (f.endsWith(".json")) {
      const own = JSON.parse(fs.readFileSync(path.join(from, f), "utf8"));
      fs.writeFileSync(path.join(to, f), JSON.stringify({ ...common, ...own }, null, 2) + "\n");
    } else {
      fs.copyFileSync(path.join(from, f), path.join(to, f));
    }
  }
}
if (fs.existsSync(path.join(root, "icons"))) fs.cpSync(path.join(root, "icons"), path.join(outNodes, "icons"), { recursive: true });
