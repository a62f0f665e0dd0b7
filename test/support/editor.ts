/** The editor's node definitions (nodes/*.html and resources/devicecloud-editor.js), run outside a browser. */
import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";

export type Validator = (this: Record<string, unknown>, v: unknown, opt?: unknown) => unknown;
export type Defaults = Record<string, { value?: unknown; validate?: Validator }>;

const ROOT = path.join(__dirname, "..", "..", "..");

/**
 * Every node type's defaults as its .html registers them, with no dialog open: the shared editor file, then each
 * node's inline script. RED.validators.typedInput is Node-RED's (here: accepts), so only the package's own checks
 * run.
 */
export function editorDefaults(): Record<string, Defaults> {
  const types: Record<string, Defaults> = {};
  const chain: Record<string, unknown> = {};
  for (const m of ["remove", "attr", "text", "appendTo", "on", "hide", "show", "toggle", "append", "insertAfter", "closest", "find", "each"]) chain[m] = () => chain;
  Object.assign(chain, { length: 0, val: () => undefined, is: () => false });
  const $ = Object.assign(() => chain, { extend: (...objs: object[]) => Object.assign({}, ...objs) });
  const RED = {
    nodes: { registerType: (type: string, def: { defaults: Defaults }) => (types[type] = def.defaults), node: () => null },
    validators: { typedInput: () => () => true, regex: (re: RegExp) => (v: unknown) => re.test(String(v)) },
    settings: {},
    _: (key: string) => key,
  };
  const window: Record<string, unknown> = { jQuery: $, RED };
  const context = vm.createContext({ RED, $, jQuery: $, window });
  vm.runInContext(fs.readFileSync(path.join(ROOT, "resources", "devicecloud-editor.js"), "utf8"), context);
  context.DeviceCloudEditor = window.DeviceCloudEditor;
  for (const file of fs.readdirSync(path.join(ROOT, "nodes")).filter((f) => f.endsWith(".html"))) {
    const html = fs.readFileSync(path.join(ROOT, "nodes", file), "utf8");
    for (const [, script] of html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)) vm.runInContext(script, context);
  }
  return types;
}

/** The editor's verdict on `value` in property `prop` of a node `props`: true when it accepts it. */
export function editorAccepts(type: string, prop: string, value: unknown, props: Record<string, unknown> = {}): boolean {
  const validate = editorDefaults()[type][prop].validate;
  if (!validate) return true;
  return validate.call({ type, ...props, [prop]: value, _: (key: string) => key }, value, {}) === true;
}
