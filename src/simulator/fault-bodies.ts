/**
 * Answers that test a client's bounds, for the fault control: a body that trickles in one byte at a time, a body
 * too large to hold, and a small gzip body that unpacks to a huge one. Each is streamed with backpressure and
 * stops when the client goes away, so the simulator itself never holds the large body.
 */
import type http from "http";
import { Readable, pipeline } from "stream";
import zlib from "zlib";

const CHUNK = 1024 * 1024;

/** `{"padding":"   …   "}`: valid JSON of exactly `bytes` bytes (at least 15), made as it is sent. */
function paddedJson(bytes: number): Readable {
  const head = '{"padding":"';
  const tail = '"}';
  return Readable.from(
    (function* () {
      yield Buffer.from(head);
      const spaces = Buffer.alloc(CHUNK, " ");
      for (let left = Math.max(0, bytes - head.length - tail.length); left > 0; left -= CHUNK) {
        yield left >= CHUNK ? spaces : spaces.subarray(0, left);
      }
      yield Buffer.from(tail);
    })(),
    { objectMode: false },
  );
}

/** 200 with a JSON body of `bytes` bytes, its Content-Length announced. */
export function sendHuge(res: http.ServerResponse, bytes: number): void {
  res.writeHead(200, { "Content-Type": "application/json", "Content-Length": String(Math.max(bytes, 14)) });
  pipeline(paddedJson(bytes), res, () => undefined);
}

/** 200 `Content-Encoding: gzip`: a body of `bytes` bytes once unpacked, about a thousandth of that on the wire. */
export function sendGzipBomb(res: http.ServerResponse, bytes: number): void {
  res.writeHead(200, { "Content-Type": "application/json", "Content-Encoding": "gzip" });
  pipeline(paddedJson(bytes), zlib.createGzip(), res, () => undefined);
}

/**
 * The headers at once, then the body one byte every `intervalMs`: a cloud that is slow but never silent. `wait`
 * is the server's own timer (cleared when it closes).
 */
export async function sendTrickle(
  res: http.ServerResponse,
  status: number,
  headers: Record<string, string | number>,
  payload: string,
  intervalMs: number,
  wait: (ms: number) => Promise<void>,
): Promise<void> {
  const bytes = Buffer.from(payload);
  const { "Content-Length": _length, ...rest } = headers;
  res.writeHead(status, rest);
  res.flushHeaders();
  for (let i = 0; i < bytes.length; i++) {
    await wait(intervalMs);
    if (res.destroyed) return;
    res.write(bytes.subarray(i, i + 1));
  }
  res.end();
}
