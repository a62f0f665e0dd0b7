/**
 * Certificates for loopback TLS servers, made with the system's openssl: a self-signed one, and a private CA with a
 * server certificate (localhost, 127.0.0.1) and a client certificate whose key is encrypted with a passphrase.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";

const LOOPBACK_NAMES = "subjectAltName=DNS:localhost,IP:127.0.0.1";
/** A name the server certificate also holds that is not loopback, so that an account sends it through a proxy. */
export const PROXIED_NAME = "cloud.devicecloud.test";

/** Runs `steps` (openssl's arguments each, or a file to write) in a temp folder; `pick` reads what it made. */
function inFolder<T>(steps: Array<string[] | { file: string; text: string }>, pick: (read: (file: string) => string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "devicecloud-tls-"));
  try {
    for (const step of steps) {
      if (Array.isArray(step)) execFileSync("openssl", step, { cwd: dir, stdio: "ignore" });
      else fs.writeFileSync(path.join(dir, step.file), step.text);
    }
    return pick((f) => fs.readFileSync(path.join(dir, f), "utf8"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function selfSigned(): { key: string; cert: string } {
  return inFolder(
    [["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "1", "-subj", "/CN=localhost", "-addext", LOOPBACK_NAMES]],
    (read) => ({ key: read("key.pem"), cert: read("cert.pem") }),
  );
}

export interface PrivatePki {
  ca: string;
  server: { key: string; cert: string };
  client: { key: string; cert: string; passphrase: string };
}

/** A CA of its own, a server certificate for localhost (and PROXIED_NAME) and a client certificate (key under `passphrase`), signed by it. */
export function privatePki(passphrase = "client-key-PASSPHRASE-5150"): PrivatePki {
  const sign = (csr: string, out: string, ...ext: string[]) => ["x509", "-req", "-in", csr, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", out, "-days", "1", ...ext];
  return inFolder(
    [
      { file: "server.ext", text: `${LOOPBACK_NAMES},DNS:${PROXIED_NAME}\n` },
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=devicecloud test CA"],
      ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"],
      sign("server.csr", "server.pem", "-extfile", "server.ext"),
      ["req", "-newkey", "rsa:2048", "-passout", `pass:${passphrase}`, "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=devicecloud test client"],
      sign("client.csr", "client.pem"),
    ],
    (read) => ({ ca: read("ca.pem"), server: { key: read("server.key"), cert: read("server.pem") }, client: { key: read("client.key"), cert: read("client.pem"), passphrase } }),
  );
}

/**
 * A TLS server on loopback in front of a plain-http one (the simulator): it decrypts and passes the bytes on.
 * `requestCert`: only a client with a certificate signed by `ca` gets through. `handshakes` counts the TCP
 * connections (each begins a handshake), `forwarded` those that got through to the target.
 */
export async function tlsFront(target: URL, cert: { key: string; cert: string }, opts: { ca?: string; requestCert?: boolean } = {}) {
  let forwarded = 0;
  let handshakes = 0;
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ ...cert, ca: opts.ca, requestCert: opts.requestCert === true, rejectUnauthorized: opts.requestCert === true }, (client) => {
    forwarded++;
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  server.on("tlsClientError", () => undefined);
  server.on("connection", (s: net.Socket) => {
    handshakes++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `https://localhost:${port}`,
    handshakes: () => handshakes,
    forwarded: () => forwarded,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** An HTTP proxy on loopback that takes CONNECT for any name and opens the tunnel to that port on 127.0.0.1. */
export async function loopbackProxy() {
  const tunnels: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => res.writeHead(405).end());
  server.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    tunnels.push(String(req.url));
    const upstream = net.connect(Number(String(req.url).split(":").pop()), "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      client.pipe(upstream).pipe(client);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => sockets.delete(s));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    tunnels,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
