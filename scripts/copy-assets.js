"use strict";
// Copies what tsc does not: the editor .html files beside the compiled node .js, the locales and the icons.
const fs = require("fs");
const path = require("path");
const root = path.join(__dirname, "..");
const srcNodes = path.join(root, "src", "nodes");
const outNodes = path.join(root, "dist", "nodes");
fs.mkdirSync(outNodes, { recursive: true });
for (const f of fs.readdirSync(srcNodes)) {
  if (f.endsWith(".html")) fs.copyFileSync(path.join(srcNodes, f), path.join(outNodes, f));
}
fs.cpSync(path.join(srcNodes, "locales"), path.join(outNodes, "locales"), { recursive: true });
fs.cpSync(path.join(root, "icons"), path.join(outNodes, "icons"), { recursive: true });
