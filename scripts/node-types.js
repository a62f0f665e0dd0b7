"use strict";
/**
 * The package's node types, as package.json's "node-red".nodes registers them: the one list that tests and
 * scripts take them from. A new node is in every list by being registered there.
 */
const path = require("path");
const pkg = require(path.join(__dirname, "..", "package.json"));

/** Every node type, in package.json's order. */
const NODE_TYPES = Object.keys(pkg["node-red"].nodes);
/** The config node every other node names as its account. */
const ACCOUNT_TYPE = "devicecloud-account";
/** The nodes drawn in flows (every type but the account). */
const FLOW_TYPES = NODE_TYPES.filter((t) => t !== ACCOUNT_TYPE);
/** The file Node-RED loads for a type, relative to the package root (e.g. nodes/devicecloud-get-device.js). */
const nodeFile = (type) => pkg["node-red"].nodes[type];

module.exports = { NODE_TYPES, ACCOUNT_TYPE, FLOW_TYPES, nodeFile };
