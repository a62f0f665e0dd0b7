"use strict";
// Copies the icons (source: icons/) to nodes/icons/, where Node-RED looks for them beside the node files.
const fs = require("fs");
const path = require("path");
const root = path.join(__dirname, "..");
fs.cpSync(path.join(root, "icons"), path.join(root, "nodes", "icons"), { recursive: true });
