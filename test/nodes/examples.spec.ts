/**
 * The examples' file names are what Node-RED shows under Import → Examples; npm's tar rewrites the characters
 * Windows refuses in a file name (a colon among them), so a name holding one shows a strange character there.
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import path from "node:path";

const EXAMPLES = path.join(__dirname, "..", "..", "..", "examples");

describe("the examples", () => {
  it("have file names every platform keeps as they are (no < > : \" / \\ | ? *)", () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith(".json"));
    assert.ok(files.length > 0, "examples found");
    for (const f of files) assert.doesNotMatch(f, /[<>:"/\\|?*]/, f);
  });
});
