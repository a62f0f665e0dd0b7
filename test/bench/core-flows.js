"use strict";
/**
 * What the benchmark's baselines are built from: the core nodes a user's flow uses in place of the package (the
 * http request node with Node-RED's defaults, a login once at start kept in flow context), and the keep-alive HTTP
 * client that drives Node-RED or asks the cloud directly. `n` is the caller's node maker (tab and position).
 */
const http = require("http");

/** The core http request node with its defaults: everything else from the message. */
function coreHttpRequest(n, id, name, fields) {
  return n({ id, type: "http request", name, method: "GET", ret: "obj", paytoqs: "ignore", url: "", tls: "", persist: false, proxy: "", insecureHTTPParser: false, authType: "", senderr: false, headers: [], ...fields });
}

/**
 * A login at start, as a user's core flow does it: inject once → http request with basic auth (credentials under
 * `${key}-login-req`) → a function node keeping `msg.payload[tokenField]` in flow context as `flowKey`.
 */
function coreLogin(n, key, { name, method, url, tokenField, flowKey }) {
  return [
    n({ id: `${key}-login`, type: "inject", name: "log in once", props: [], repeat: "", crontab: "", once: true, onceDelay: 0.1, topic: "", wires: [[`${key}-login-req`]] }),
    coreHttpRequest(n, `${key}-login-req`, name, { method, url, authType: "basic", wires: [[`${key}-login-store`]] }),
    n({ id: `${key}-login-store`, type: "function", name: "keep the token", func: `flow.set(${JSON.stringify(flowKey)}, msg.payload.${tokenField});\nreturn null;`, outputs: 1, wires: [[]] }),
  ];
}

/**
 * Keep-alive requests to one base URL, `conc` sockets at most, each bounded by 30 s: `send(method, path, body?)`
 * (a body goes as JSON) and `get(path)`; each resolves with the status and the body parsed as JSON (status 0 when
 * the request failed).
 */
function keepAliveClient(url, conc, headers = {}) {
  const u = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: conc });
  const send = (method, p, body) =>
    new Promise((resolve) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const h = data === undefined ? headers : { ...headers, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) };
      const req = http.request({ host: u.hostname, port: u.port, method, path: p, agent, headers: h, timeout: 30000 }, (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          let parsed;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode, body: parsed });
        });
        res.on("error", () => resolve({ status: 0 }));
      });
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", () => resolve({ status: 0 }));
      req.end(data);
    });
  return { send, get: (p) => send("GET", p), close: () => agent.destroy() };
}

module.exports = { coreHttpRequest, coreLogin, keepAliveClient };
