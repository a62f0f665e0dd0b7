"use strict";
// Removes what the build and the tests made: the compiled runtime and the icons in nodes/ (its editor files and
// locales are sources and stay), build/ and coverage/. The build starts with it, so no compiled module outlives
// its source.
const fs = require("fs");
const path = require("path");
const root = path.join(__dirname, "..");
const nodes = path.join(root, "nodes");
for (const d of ["build", "coverage"]) fs.rmSync(path.join(root, d), { recursive: true, force: true });
for (const entry of fs.readdirSync(nodes, { withFileTypes: true })) {
  const full = path.join(nodes, entry.name);
  if (entry.isDirectory() ? entry.name !== "locales" : entry.name.endsWith(".js")) fs.rmSync(full, { recursive: true, force: true });
}
