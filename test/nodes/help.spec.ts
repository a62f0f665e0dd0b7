/**
 * The German help files use the section headings Node-RED's own German help uses (Eingangsdaten, Ausgangsdaten,
 * Details, Referenzen), the same in every node, in the order of the en-US help.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const LOCALES = path.join(__dirname, "..", "..", "..", "nodes", "locales");
const GERMAN: Record<string, string> = { Inputs: "Eingangsdaten", Outputs: "Ausgangsdaten", Details: "Details", References: "Referenzen" };

const headings = (file: string): string[] => [...readFileSync(file, "utf8").matchAll(/<h3>([^<]*)<\/h3>/g)].map((m) => m[1]);

describe("the help texts", () => {
  it("each de help file has the en-US file's sections, under Node-RED's German headings", () => {
    const files = readdirSync(path.join(LOCALES, "en-US")).filter((f) => f.endsWith(".html"));
    assert.ok(files.length >= 13, `${files.length} help files`);
    for (const f of files) {
      const en = headings(path.join(LOCALES, "en-US", f));
      assert.deepEqual(en, ["Inputs", "Outputs", "Details", "References"], `en-US/${f}`);
      assert.deepEqual(headings(path.join(LOCALES, "de", f)), en.map((h) => GERMAN[h]), `de/${f}`);
    }
  });
});
