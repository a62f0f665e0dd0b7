/**
 * The examples' file names are what Node-RED shows under Import → Examples; npm's tar rewrites the characters
 * Windows refuses in a file name (a colon among them), so a name holding one shows a strange character there.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.join(__dirname, "..", "..", "..");
const EXAMPLES = path.join(ROOT, "examples");

describe("the examples", () => {
  it("have file names every platform keeps as they are (no < > : \" / \\ | ? *)", () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith(".json"));
    assert.ok(files.length > 0, "examples found");
    for (const f of files) assert.doesNotMatch(f, /[<>:"/\\|?*]/, f);
  });

  it("are each named once in README's table of examples, and the table names no other", () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith(".json")).map((f) => f.replace(/\.json$/, "")).sort();
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    const lines = readme.slice(readme.indexOf("| example | shows |")).split("\n").slice(2);
    const rows = lines.slice(0, lines.findIndex((l) => !l.startsWith("| "))).map((l) => l.split("|")[1].trim());
    assert.deepEqual(rows.sort(), files);
  });
});
