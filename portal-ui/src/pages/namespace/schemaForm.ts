// Forms from a namespace's JSON Schema: the fields a schema describes, the namespace's text read
// into their values, and the text written back with only what was edited changed. Properties keys
// map onto fields as the SDK and the server read them (lyre_protocol's `keys` module): dotted keys
// nest, `-` in a segment reads as `_`, lists are indexed (`hosts[0]`) or comma separated.
import { parseDocument } from "yaml";
import { translate } from "../../i18n";

type Obj = Record<string, unknown>;

export type Kind = "object" | "array" | "enum" | "boolean" | "integer" | "number" | "string" | "other";

/** One value an enum allows: its text in the form, the value itself, and what it means. */
export type Choice = { value: string; raw: unknown; description?: string };

/** A bound of a number field. */
export type Bound = { value: number; exclusive: boolean };

/** A field of the form, read from the schema. */
export type Spec = {
  /** The property name ("" for the items of a list). */
  name: string;
  /** What the field is called: the schema's `title`, else the property name. */
  label: string;
  description?: string;
  default?: unknown;
  /** In its object's `required`; the items of a list are always required. */
  required: boolean;
  /** `Option<T>`: `type: [T, "null"]` or `anyOf: [T, {type: "null"}]`. */
  nullable: boolean;
  kind: Kind;
  choices: Choice[];
  /** Integers: the range the bounds and the integer `format` allow together. */
  low?: bigint;
  high?: bigint;
  /** Numbers: the bounds. */
  minimum?: Bound;
  maximum?: Bound;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  /** Objects: their fields, in the schema's order. */
  fields: Spec[];
  /** Lists: what each row is. */
  items?: Spec;
};

/**
 * A form's values: text for a single value ("true"/"false" for a boolean, as typed for a
 * number), rows for a list, fields for an object; `undefined` where nothing is set.
 */
export type FormValue = string | FormValue[] | FormObject | undefined;
export interface FormObject {
  [name: string]: FormValue;
}

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

// ---------------------------------------------------------------------------------------------
// The schema

/** The range of each integer `format` a Rust type's schema carries (`u16` is `uint16`). */
const INTEGER_FORMATS: Record<string, [bigint, bigint]> = {
  int8: [-(2n ** 7n), 2n ** 7n - 1n],
  int16: [-(2n ** 15n), 2n ** 15n - 1n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  int: [-(2n ** 63n), 2n ** 63n - 1n],
  uint8: [0n, 2n ** 8n - 1n],
  uint16: [0n, 2n ** 16n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  uint: [0n, 2n ** 64n - 1n],
};

/** The value at a JSON pointer (as in `#/$defs/Db`, without the `#`). */
function pointerGet(root: unknown, pointer: string): unknown {
  if (pointer === "") return root;
  if (!pointer.startsWith("/")) return undefined;
  let at = root;
  for (const raw of pointer.slice(1).split("/")) {
    let part = raw;
    try {
      part = decodeURIComponent(raw);
    } catch {
      // Not percent-encoded: as written.
    }
    const key = part.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(at)) at = at[Number(key)];
    else if (isObj(at)) at = at[key];
    else return undefined;
  }
  return at;
}

/** `b`'s keywords over `a`'s, with their `properties` and `required` joined. */
function merge(a: Obj, b: Obj): Obj {
  const out: Obj = { ...a, ...b };
  if (isObj(a.properties) && isObj(b.properties)) out.properties = { ...a.properties, ...b.properties };
  if (Array.isArray(a.required) && Array.isArray(b.required)) out.required = [...a.required, ...b.required];
  return out;
}

/** A schema with its local `$ref` and its `allOf` folded in; its own keywords win. */
function flatten(schema: unknown, root: unknown, depth = 0): Obj {
  if (!isObj(schema) || depth > 32) return {};
  let out: Obj = {};
  if (typeof schema.$ref === "string" && schema.$ref.startsWith("#")) {
    out = flatten(pointerGet(root, schema.$ref.slice(1)), root, depth + 1);
  }
  if (Array.isArray(schema.allOf)) {
    for (const member of schema.allOf) out = merge(out, flatten(member, root, depth + 1));
  }
  const own: Obj = { ...schema };
  delete own.$ref;
  delete own.allOf;
  return merge(out, own);
}

function typesOf(s: Obj): string[] {
  if (typeof s.type === "string") return [s.type];
  return Array.isArray(s.type) ? s.type.filter((t): t is string => typeof t === "string") : [];
}

/** The values a schema allows when it lists them (`const` or `enum`). */
function listed(s: Obj): unknown[] | undefined {
  if ("const" in s) return [s.const];
  return Array.isArray(s.enum) ? s.enum : undefined;
}

function allowsOnlyNull(s: Obj): boolean {
  const types = typesOf(s);
  if (types.length > 0 && types.every((t) => t === "null")) return true;
  const values = listed(s);
  return values !== undefined && values.length > 0 && values.every((v) => v === null);
}

function choice(raw: unknown, description?: string): Choice {
  return { value: typeof raw === "string" ? raw : JSON.stringify(raw), raw, description };
}

function ceil(n: number): bigint {
  return BigInt(Math.ceil(n));
}

function floor(n: number): bigint {
  return BigInt(Math.floor(n));
}

/** The form field a schema describes. */
function build(schema: unknown, root: unknown, name: string, required: boolean, depth: number): Spec {
  const s = flatten(schema, root);
  const spec: Spec = {
    name,
    label: text(s.title) ?? name,
    description: text(s.description),
    default: s.default,
    required,
    nullable: false,
    kind: "other",
    choices: [],
    fields: [],
  };
  // Deeper than any configuration goes: a type that holds itself.
  if (depth > 12) return spec;

  for (const key of ["anyOf", "oneOf"] as const) {
    const members = s[key];
    if (!Array.isArray(members)) continue;
    const flat = members.map((m) => flatten(m, root));
    const kept = members.filter((_, i) => !allowsOnlyNull(flat[i] ?? {}));
    const keptFlat = flat.filter((m) => !allowsOnlyNull(m));
    spec.nullable = kept.length < members.length;
    // Enum variants with doc comments: one `const` (or a one-value `enum`) per variant.
    if (keptFlat.length > 0 && keptFlat.every((m) => listed(m) !== undefined)) {
      for (const m of keptFlat) {
        for (const raw of listed(m) ?? []) {
          if (raw === null) spec.nullable = true;
          else spec.choices.push(choice(raw, text(m.description)));
        }
      }
      spec.kind = spec.choices.length > 0 ? "enum" : "other";
      return spec;
    }
    if (kept.length === 1) {
      const inner = build(kept[0], root, name, required, depth);
      return {
        ...inner,
        label: text(s.title) ?? inner.label,
        description: spec.description ?? inner.description,
        default: s.default !== undefined ? s.default : inner.default,
        nullable: spec.nullable || inner.nullable,
      };
    }
    return spec;
  }

  let types = typesOf(s);
  if (types.includes("null")) {
    spec.nullable = true;
    types = types.filter((t) => t !== "null");
  }
  const values = listed(s);
  if (values) {
    for (const raw of values) {
      if (raw === null) spec.nullable = true;
      else spec.choices.push(choice(raw));
    }
    spec.kind = spec.choices.length > 0 ? "enum" : "other";
    return spec;
  }
  if (types.length > 1) return spec;
  const type = types[0] ?? (isObj(s.properties) ? "object" : isObj(s.items) ? "array" : undefined);
  switch (type) {
    case "object": {
      // A map (`additionalProperties` only) has no fields to show.
      if (!isObj(s.properties)) return spec;
      const wanted = Array.isArray(s.required) ? s.required : [];
      spec.kind = "object";
      spec.fields = Object.entries(s.properties).map(([field, sub]) => build(sub, root, field, wanted.includes(field), depth + 1));
      return spec;
    }
    case "array": {
      if (!isObj(s.items) || "prefixItems" in s) return spec;
      const items = build(s.items, root, "", true, depth + 1);
      if (items.kind === "other") return spec;
      spec.kind = "array";
      spec.items = items;
      spec.minItems = num(s.minItems);
      spec.maxItems = num(s.maxItems);
      return spec;
    }
    case "boolean":
      spec.kind = "boolean";
      return spec;
    case "integer": {
      spec.kind = "integer";
      const range = typeof s.format === "string" ? INTEGER_FORMATS[s.format] : undefined;
      const lows: bigint[] = [];
      const highs: bigint[] = [];
      if (range) {
        lows.push(range[0]);
        highs.push(range[1]);
      }
      const [min, max, xmin, xmax] = [num(s.minimum), num(s.maximum), num(s.exclusiveMinimum), num(s.exclusiveMaximum)];
      if (min !== undefined) lows.push(ceil(min));
      if (xmin !== undefined) lows.push(floor(xmin) + 1n);
      if (max !== undefined) highs.push(floor(max));
      if (xmax !== undefined) highs.push(ceil(xmax) - 1n);
      if (lows.length > 0) spec.low = lows.reduce((a, b) => (a > b ? a : b));
      if (highs.length > 0) spec.high = highs.reduce((a, b) => (a < b ? a : b));
      return spec;
    }
    case "number": {
      spec.kind = "number";
      const [min, max, xmin, xmax] = [num(s.minimum), num(s.maximum), num(s.exclusiveMinimum), num(s.exclusiveMaximum)];
      if (xmin !== undefined && (min === undefined || xmin >= min)) spec.minimum = { value: xmin, exclusive: true };
      else if (min !== undefined) spec.minimum = { value: min, exclusive: false };
      if (xmax !== undefined && (max === undefined || xmax <= max)) spec.maximum = { value: xmax, exclusive: true };
      else if (max !== undefined) spec.maximum = { value: max, exclusive: false };
      return spec;
    }
    case "string":
      spec.kind = "string";
      spec.minLength = num(s.minLength);
      spec.maxLength = num(s.maxLength);
      spec.pattern = text(s.pattern);
      return spec;
    default:
      return spec;
  }
}

/** The form a schema describes: its root, an object with fields (or `other` when it is not one). */
export function formOf(schema: unknown): Spec {
  return build(schema, schema, "", true, 0);
}

// ---------------------------------------------------------------------------------------------
// Paths, defaults, equality

/** A place in the form: property names and row indexes. */
export type Path = (string | number)[];

/** The dotted id of a place (`db.pool_size`, `hosts.0`), as test ids and problems name it. */
export function idOf(path: Path): string {
  return path.join(".");
}

export function isEmpty(v: FormValue): boolean {
  return v === undefined || v === "";
}

/** Whether any value is set somewhere in `v`. */
export function hasValue(v: FormValue): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (isObj(v)) return Object.values(v as FormObject).some(hasValue);
  return !isEmpty(v);
}

export function same(a: FormValue, b: FormValue): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => same(v, b[i]));
  }
  if (isObj(a) || isObj(b)) {
    if (!isObj(a) || !isObj(b)) return false;
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => same((a as FormObject)[k], (b as FormObject)[k]));
  }
  return a === b;
}

/** `root` with `value` at `path`, copied on the way down. */
export function assign(root: FormValue, path: Path, value: FormValue): FormValue {
  if (path.length === 0) return value;
  const [step, ...rest] = path;
  if (typeof step === "number") {
    const rows = Array.isArray(root) ? [...root] : [];
    rows[step] = assign(rows[step], rest, value);
    return rows;
  }
  const fields: FormObject = isObj(root) ? { ...(root as FormObject) } : {};
  fields[step as string] = assign(fields[step as string], rest, value);
  return fields;
}

/** A new, empty row of a list. */
export function emptyRow(items: Spec): FormValue {
  if (items.kind === "object") return {};
  if (items.kind === "array") return [];
  if (items.kind === "boolean") return "false";
  return "";
}

/** A value (a default, a constant) as the form shows it. */
export function shown(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** A boolean's text as a typed field reads it, as lyre_protocol's `keys::boolean`. */
function boolean(t: string): boolean | undefined {
  switch (t.trim().toLowerCase()) {
    case "true":
    case "yes":
    case "on":
    case "1":
      return true;
    case "false":
    case "no":
    case "off":
    case "0":
      return false;
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Checking values in place

const WHOLE = /^[+-]?\d+$/;

/** What is wrong with a single value, if anything (not counting a required one left empty). */
function problemOf(spec: Spec, v: string): string | undefined {
  const t = v.trim();
  switch (spec.kind) {
    case "integer": {
      if (!WHOLE.test(t)) return translate("namespace.check.wholeNumber");
      const n = BigInt(t);
      if (spec.low !== undefined && n < spec.low) return translate("namespace.check.atLeast", { value: String(spec.low) });
      if (spec.high !== undefined && n > spec.high) return translate("namespace.check.atMost", { value: String(spec.high) });
      return undefined;
    }
    case "number": {
      const n = Number(t);
      if (t === "" || !Number.isFinite(n)) return translate("namespace.check.number");
      const { minimum: lo, maximum: hi } = spec;
      if (lo && (lo.exclusive ? n <= lo.value : n < lo.value)) {
        const value = String(lo.value);
        return lo.exclusive ? translate("namespace.check.moreThan", { value }) : translate("namespace.check.atLeast", { value });
      }
      if (hi && (hi.exclusive ? n >= hi.value : n > hi.value)) {
        const value = String(hi.value);
        return hi.exclusive ? translate("namespace.check.lessThan", { value }) : translate("namespace.check.atMost", { value });
      }
      return undefined;
    }
    case "boolean":
      return t === "true" || t === "false" ? undefined : translate("namespace.check.notOnOff", { value: v });
    case "enum":
      return spec.choices.some((c) => c.value === t) ? undefined : translate("namespace.check.notAChoice", { value: v });
    case "string": {
      const length = [...v].length;
      if (spec.minLength !== undefined && length < spec.minLength) return translate("namespace.check.minLength", { count: spec.minLength });
      if (spec.maxLength !== undefined && length > spec.maxLength) return translate("namespace.check.maxLength", { count: spec.maxLength });
      if (spec.pattern) {
        try {
          if (!new RegExp(spec.pattern, "u").test(v)) return translate("namespace.check.pattern", { pattern: spec.pattern });
        } catch {
          // A pattern this browser does not read: the server checks it.
        }
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The values the form refuses in place, by field id: out of bounds, not a number, not one of
 * the choices, a required field left empty (in an object that is there).
 */
export function invalidFields(spec: Spec, value: FormValue): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (s: Spec, v: FormValue, path: Path, present: boolean) => {
    const id = idOf(path);
    switch (s.kind) {
      case "object": {
        const here = path.length === 0 || (present && s.required && !s.nullable) || hasValue(v);
        const fields = isObj(v) ? (v as FormObject) : {};
        for (const f of s.fields) walk(f, fields[f.name], [...path, f.name], here);
        return;
      }
      case "array": {
        const rows = Array.isArray(v) ? v : [];
        if (present && (Array.isArray(v) || (s.required && !s.nullable))) {
          if (s.minItems !== undefined && rows.length < s.minItems) found.set(id, translate("namespace.check.minItems", { count: s.minItems }));
          if (s.maxItems !== undefined && rows.length > s.maxItems) found.set(id, translate("namespace.check.maxItems", { count: s.maxItems }));
        }
        rows.forEach((row, i) => s.items && walk(s.items, row, [...path, i], true));
        return;
      }
      case "other":
        return;
      default: {
        if (typeof v !== "string" || v === "") {
          // A switch always shows on or off; a missing required one is for the server to name.
          if (present && s.required && !s.nullable && s.kind !== "boolean") {
            found.set(id, typeof path.at(-1) === "number" ? translate("namespace.check.fillRow") : translate("namespace.check.required"));
          }
          return;
        }
        const problem = problemOf(s, v);
        if (problem) found.set(id, problem);
      }
    }
  };
  walk(spec, value, [], true);
  return found;
}

/** Every field, list and section id of the form as it stands. */
export function placesOf(spec: Spec, value: FormValue): Set<string> {
  const ids = new Set<string>();
  const walk = (s: Spec, v: FormValue, path: Path) => {
    if (path.length > 0) ids.add(idOf(path));
    if (s.kind === "object") {
      const fields = isObj(v) ? (v as FormObject) : {};
      for (const f of s.fields) walk(f, fields[f.name], [...path, f.name]);
    } else if (s.kind === "array" && s.items && Array.isArray(v)) {
      v.forEach((row, i) => s.items && walk(s.items, row, [...path, i]));
    }
  };
  walk(spec, value, []);
  return ids;
}

/** The nearest place of the form at or above `path`; "" for the form as a whole. */
export function nearestPlace(places: Set<string>, path: Path): string {
  for (let n = path.length; n > 0; n--) {
    const id = idOf(path.slice(0, n));
    if (places.has(id)) return id;
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// Properties: lines, keys and the tree they make

type Line = { raw: string; key?: string; value?: string; sep?: number };

/** Properties text as its lines, read as lyre_protocol's `properties::parse` reads it. */
function readLines(source: string): Line[] {
  const raws = source.split("\n");
  if (source.endsWith("\n")) raws.pop();
  if (source === "") raws.length = 0;
  const seen = new Map<string, number>();
  return raws.map((raw, index) => {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const content = line.trimStart();
    if (content === "" || content.startsWith("#") || content.startsWith("!")) return { raw };
    const at = content.search(/[=:]/);
    if (at < 0) throw new Error(translate("namespace.read.expectedKeyValue", { line: index + 1, found: content.trimEnd() }));
    const key = content.slice(0, at).trim();
    if (key === "") throw new Error(translate("namespace.read.emptyKey", { line: index + 1 }));
    const first = seen.get(key);
    if (first !== undefined) throw new Error(translate("namespace.read.keyAgain", { line: index + 1, key, first }));
    seen.set(key, index + 1);
    return { raw, key, value: content.slice(at + 1).trim(), sep: line.length - content.length + at };
  });
}

/** A key segment: its name (`-` read as `_`) and the `[n]` indexes after it. */
function splitSegment(segment: string): { name: string; indexes: number[] } {
  const open = segment.indexOf("[");
  const name = open < 0 ? segment : segment.slice(0, open);
  let rest = open < 0 ? "" : segment.slice(open);
  const indexes: number[] = [];
  while (rest.startsWith("[")) {
    const after = rest.slice(1);
    const end = after.indexOf("]");
    if (end < 0) throw new Error(translate("namespace.read.unclosedIndex", { segment }));
    const index = after.slice(0, end).trim();
    if (!/^\+?\d+$/.test(index)) throw new Error(translate("namespace.read.indexNotNumber", { segment }));
    indexes.push(Number(index));
    rest = after.slice(end + 1);
  }
  if (rest !== "") throw new Error(translate("namespace.read.textAfterIndex", { segment }));
  return { name: name.replaceAll("-", "_"), indexes };
}

/** The place a properties key fills: `db.pool-size` is `db`, `pool_size`; `hosts[1]` is `hosts`, 1. */
export function keyPath(key: string): Path {
  const steps: Path = [];
  for (const segment of key.split(".")) {
    const { name, indexes } = splitSegment(segment.trim());
    if (name === "" && indexes.length === 0) throw new Error(translate("namespace.read.emptySegment", { key }));
    if (name !== "") steps.push(name);
    steps.push(...indexes);
  }
  return steps;
}

/** A key's place in the tree of dotted keys; a leaf remembers its line. */
type PNode =
  | { t: "leaf"; value: string; line?: number }
  | { t: "map"; children: Map<string, PNode> }
  | { t: "list"; children: Map<number, PNode> };

const fresh = (): PNode => ({ t: "leaf", value: "" });

function insert(node: PNode, steps: Path, value: string, line: number, key: string): PNode {
  const conflict = () => new Error(translate("namespace.read.valueAndGroup", { key }));
  const [step, ...rest] = steps;
  if (step === undefined) {
    if (node.t === "leaf" && node.value === "") return { t: "leaf", value, line };
    throw conflict();
  }
  // An empty leaf is a fresh slot: it becomes whatever the step needs.
  let here = node;
  if (here.t === "leaf" && here.value === "") {
    here = typeof step === "string" ? { t: "map", children: new Map() } : { t: "list", children: new Map() };
  }
  if (here.t === "map" && typeof step === "string") {
    here.children.set(step, insert(here.children.get(step) ?? fresh(), rest, value, line, key));
    return here;
  }
  if (here.t === "list" && typeof step === "number") {
    here.children.set(step, insert(here.children.get(step) ?? fresh(), rest, value, line, key));
    return here;
  }
  throw conflict();
}

/** A list's children in index order. */
function byIndex(node: PNode & { t: "list" }): [number, PNode][] {
  return [...node.children.entries()].sort((a, b) => a[0] - b[0]);
}

/** The items of a comma-separated value, as a list field reads it (none for an empty value). */
function commaSeparated(t: string): string[] {
  return t.trim() === "" ? [] : t.split(",").map((p) => p.trim());
}

/** A single value's text as the form shows it. */
function leafText(spec: Spec, raw: string): string {
  if (spec.kind === "boolean") {
    const b = boolean(raw);
    return b === undefined ? raw : String(b);
  }
  return spec.kind === "string" ? raw : raw.trim();
}

function fromNode(spec: Spec, node: PNode | undefined): FormValue {
  switch (spec.kind) {
    case "object": {
      const out: FormObject = {};
      for (const f of spec.fields) out[f.name] = fromNode(f, node?.t === "map" ? node.children.get(f.name) : undefined);
      return out;
    }
    case "array": {
      const items = spec.items;
      if (!items || !node) return undefined;
      if (node.t === "list") return byIndex(node).map(([, child]) => fromNode(items, child));
      if (node.t === "leaf") return commaSeparated(node.value).map((part) => fromNode(items, { t: "leaf", value: part }));
      return undefined;
    }
    case "other":
      return undefined;
    default:
      return node?.t === "leaf" ? leafText(spec, node.value) : undefined;
  }
}

/** Whether the schema describes the place a key fills (a key it does not is kept as it is). */
function describes(spec: Spec, path: Path): boolean {
  let s: Spec | undefined = spec;
  for (const step of path) {
    if (!s) return false;
    if (s.kind === "other") return true;
    if (typeof step === "string") s = s.kind === "object" ? s.fields.find((f) => f.name === step) : undefined;
    else s = s.kind === "array" ? s.items : undefined;
  }
  return s !== undefined && s.kind !== "object";
}

// ---------------------------------------------------------------------------------------------
// Documents (json, yaml): the parsed value and the edits made to it

type Edit = { op: "set"; path: Path; value: unknown } | { op: "delete"; path: Path };

function fromDoc(spec: Spec, v: unknown): FormValue {
  switch (spec.kind) {
    case "object": {
      const fields = isObj(v) ? v : {};
      const out: FormObject = {};
      for (const f of spec.fields) out[f.name] = fromDoc(f, fields[f.name]);
      return out;
    }
    case "array": {
      const items = spec.items;
      return items && Array.isArray(v) ? v.map((row) => fromDoc(items, row)) : undefined;
    }
    case "other":
      return undefined;
    default:
      if (v === undefined || v === null) return undefined;
      if (typeof v === "string") return v;
      if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
      return JSON.stringify(v);
  }
}

/** Whether a single value is written: set, or empty where empty is still a value. */
function written(spec: Spec, v: FormValue): v is string {
  return typeof v === "string" && (v !== "" || (spec.required && !spec.nullable && spec.kind === "string"));
}

/** A single value as the document holds it: a number, a boolean, the enum's value, text. */
function scalar(spec: Spec, v: string): unknown {
  const t = v.trim();
  switch (spec.kind) {
    case "integer":
      return WHOLE.test(t) ? Number(t) : v;
    case "number":
      return t !== "" && Number.isFinite(Number(t)) ? Number(t) : v;
    case "boolean":
      return t === "true" ? true : t === "false" ? false : v;
    case "enum":
      return spec.choices.find((c) => c.value === t)?.raw ?? v;
    default:
      return v;
  }
}

/** A new value built from the form alone, for a place the document does not have yet. */
function created(spec: Spec, v: FormValue): unknown {
  switch (spec.kind) {
    case "object": {
      const fields = isObj(v) ? (v as FormObject) : {};
      const out: Obj = {};
      for (const f of spec.fields) {
        const built = created(f, fields[f.name]);
        if (built !== undefined) out[f.name] = built;
      }
      return out;
    }
    case "array":
      return Array.isArray(v) && spec.items ? v.map((row) => created(spec.items as Spec, row) ?? null) : undefined;
    case "other":
      return undefined;
    default:
      return written(spec, v) ? scalar(spec, v) : undefined;
  }
}

/** The edits that make the document `doc` hold the form's `value`, touching only what changed. */
function docEdits(spec: Spec, path: Path, doc: unknown, value: FormValue, edits: Edit[]) {
  switch (spec.kind) {
    case "object": {
      // A place that holds something else than an object is left as it is, for the check to name.
      if (doc !== undefined && doc !== null && !isObj(doc)) return;
      const fields = isObj(value) ? (value as FormObject) : {};
      const inner: Edit[] = [];
      for (const f of spec.fields) docEdits(f, [...path, f.name], isObj(doc) ? doc[f.name] : undefined, fields[f.name], inner);
      if (inner.length > 0 && doc === null && path.length > 0) edits.push({ op: "set", path, value: {} });
      edits.push(...inner);
      return;
    }
    case "array": {
      const items = spec.items;
      if (!items || same(value, fromDoc(spec, doc))) return;
      if (!Array.isArray(value)) {
        if (doc !== undefined) edits.push({ op: "delete", path });
        return;
      }
      if (!Array.isArray(doc)) {
        if (value.length > 0 || spec.required || doc !== undefined) edits.push({ op: "set", path, value: created(spec, value) ?? [] });
        return;
      }
      value.forEach((row, i) => {
        if (i < doc.length) docEdits(items, [...path, i], doc[i], row, edits);
        else edits.push({ op: "set", path: [...path, i], value: created(items, row) ?? null });
      });
      for (let i = doc.length - 1; i >= value.length; i--) edits.push({ op: "delete", path: [...path, i] });
      return;
    }
    case "other":
      return;
    default:
      if (value === fromDoc(spec, doc)) return;
      if (written(spec, value)) edits.push({ op: "set", path, value: scalar(spec, value) });
      else if (doc !== undefined) edits.push({ op: "delete", path });
  }
}

function setIn(root: unknown, path: Path, value: unknown): unknown {
  const [step, ...rest] = path;
  if (step === undefined) return value;
  const container: Obj | unknown[] =
    typeof step === "number" ? (Array.isArray(root) ? root : []) : isObj(root) ? root : {};
  const current = (container as Record<string | number, unknown>)[step];
  (container as Record<string | number, unknown>)[step] = setIn(current, rest, value);
  return container;
}

function deleteIn(root: unknown, path: Path) {
  const [step, ...rest] = path;
  if (step === undefined) return;
  if (rest.length > 0) {
    const next = Array.isArray(root) ? root[Number(step)] : isObj(root) ? root[String(step)] : undefined;
    deleteIn(next, rest);
  } else if (Array.isArray(root) && typeof step === "number") {
    root.splice(step, 1);
  } else if (isObj(root)) {
    delete root[String(step)];
  }
}

// ---------------------------------------------------------------------------------------------
// A namespace's text as a form, and back

/** A namespace's text read for the form: its values, and how to write values back into it. */
export type FormText = {
  /** The values the text holds, as the form shows them. */
  value: FormValue;
  /** The text with `value` written into it; the text itself when nothing changed. */
  write: (value: FormValue) => string;
  /** Keys (properties) or places (documents) the schema does not describe: kept as they are. */
  kept: string[];
};

/** Properties text as a form: only the lines of edited fields change. */
function propertiesForm(spec: Spec, source: string): FormText {
  const lines = readLines(source);
  let root: PNode = { t: "map", children: new Map() };
  const kept: string[] = [];
  lines.forEach((line, index) => {
    if (line.key === undefined) return;
    const path = keyPath(line.key);
    root = insert(root, path, line.value ?? "", index, line.key);
    if (!describes(spec, path)) kept.push(line.key);
  });
  const value = fromNode(spec, root);

  const write = (next: FormValue): string => {
    const set = new Map<number, string>();
    const removed = new Set<number>();
    const added: string[] = [];
    const drop = (node: PNode | undefined) => {
      if (!node) return;
      if (node.t === "leaf") {
        if (node.line !== undefined) removed.add(node.line);
      } else {
        for (const child of node.children.values()) drop(child);
      }
    };
    const add = (key: string, v: string) => added.push(v === "" ? `${key} =` : `${key} = ${v}`);
    // Writes the edits to the subtree at `node` that make it hold `v`; `key` is how a new key
    // there is spelled: the schema's names joined by `.`, under the index a row already has.
    const walk = (s: Spec, node: PNode | undefined, v: FormValue, key: string) => {
      switch (s.kind) {
        case "object": {
          if (node && node.t !== "map" && !(node.t === "leaf" && node.value === "")) return;
          const fields = isObj(v) ? (v as FormObject) : {};
          for (const f of s.fields) {
            const child = node?.t === "map" ? node.children.get(f.name) : undefined;
            walk(f, child, fields[f.name], key === "" ? f.name : `${key}.${f.name}`);
          }
          return;
        }
        case "array": {
          const items = s.items;
          if (!items || node?.t === "map" || same(v, fromNode(s, node))) return;
          const rows = Array.isArray(v) ? v : undefined;
          if (node?.t === "leaf" && node.line !== undefined) {
            // Written comma separated: it stays so, while each row can be written that way.
            const parts = rows?.map((row) => (typeof row === "string" ? leafText(items, row).trim() : undefined));
            if (!rows || !parts) {
              removed.add(node.line);
              return;
            }
            const fits = parts.every((p) => p !== undefined && !p.includes(",")) && !(parts.length === 1 && parts[0] === "");
            if (fits && (parts.length > 0 || s.required)) {
              set.set(node.line, parts.join(", "));
              return;
            }
            removed.add(node.line);
            if (parts.length === 0) return;
            rows.forEach((row, i) => walk(items, undefined, row, `${key}[${i}]`));
            return;
          }
          const existing = node?.t === "list" ? byIndex(node) : [];
          let nextIndex = existing.length > 0 ? Math.max(...existing.map(([i]) => i)) + 1 : 0;
          (rows ?? []).forEach((row, i) => {
            const have = existing[i];
            if (have) walk(items, have[1], row, `${key}[${have[0]}]`);
            else walk(items, undefined, row, `${key}[${nextIndex++}]`);
          });
          existing.slice(rows?.length ?? 0).forEach(([, child]) => drop(child));
          return;
        }
        case "other":
          return;
        default: {
          if (node && node.t !== "leaf") return;
          if (v === fromNode(s, node)) return;
          const present = written(s, v) || (typeof v === "string" && s.required && !s.nullable);
          const out = typeof v === "string" ? leafText(s, v).trim() : "";
          if (node?.line !== undefined) {
            if (present) set.set(node.line, out);
            else removed.add(node.line);
          } else if (present) {
            add(key, out);
          }
        }
      }
    };
    walk(spec, root, next, "");
    if (set.size === 0 && removed.size === 0 && added.length === 0) return source;

    // A removed item takes its comment lines (those right above it) with it.
    for (const index of [...removed]) {
      for (let i = index - 1; i >= 0; i--) {
        const content = lines[i]?.raw.trimStart() ?? "";
        if (lines[i]?.key !== undefined || content === "") break;
        removed.add(i);
      }
    }
    const out: string[] = [];
    let lastItem = -1;
    lines.forEach((line, index) => {
      if (removed.has(index)) return;
      const newValue = set.get(index);
      if (newValue !== undefined && line.sep !== undefined) {
        const cr = line.raw.endsWith("\r") ? "\r" : "";
        const body = cr ? line.raw.slice(0, -1) : line.raw;
        const head = body.slice(0, line.sep + 1);
        const after = body.slice(line.sep + 1);
        const gap = after.trim() === "" ? " " : (/^\s*/.exec(after)?.[0] ?? "");
        out.push(newValue === "" ? `${head}${cr}` : `${head}${gap}${newValue}${cr}`);
      } else {
        out.push(line.raw);
      }
      if (line.key !== undefined) lastItem = out.length - 1;
    });
    // New keys go after the last item, so that comment lines at the end stay at the end.
    out.splice(lastItem < 0 ? out.length : lastItem + 1, 0, ...added);
    return out.length === 0 ? "" : `${out.join("\n")}\n`;
  };
  return { value, write, kept };
}

/** Places of a document that the schema does not describe. */
function undescribed(spec: Spec, doc: unknown, path: Path, out: string[]) {
  if (spec.kind === "object" && isObj(doc)) {
    for (const [name, v] of Object.entries(doc)) {
      const field = spec.fields.find((f) => f.name === name);
      if (field) undescribed(field, v, [...path, name], out);
      else out.push(idOf([...path, name]));
    }
  } else if (spec.kind === "array" && spec.items && Array.isArray(doc)) {
    doc.forEach((row, i) => spec.items && undescribed(spec.items, row, [...path, i], out));
  }
}

function jsonForm(spec: Spec, source: string): FormText {
  const parsed: unknown = source.trim() === "" ? {} : JSON.parse(source);
  const kept: string[] = [];
  undescribed(spec, parsed, [], kept);
  return {
    value: fromDoc(spec, parsed),
    kept,
    write: (next) => {
      const edits: Edit[] = [];
      docEdits(spec, [], parsed, next, edits);
      if (edits.length === 0) return source;
      let doc: unknown = source.trim() === "" ? {} : JSON.parse(source);
      for (const edit of edits) {
        if (edit.op === "set") doc = setIn(doc, edit.path, edit.value);
        else deleteIn(doc, edit.path);
      }
      return JSON.stringify(doc, null, 2) + (source.endsWith("\n") ? "\n" : "");
    },
  };
}

function yamlForm(spec: Spec, source: string): FormText {
  const first = parseDocument(source);
  if (first.errors.length > 0) throw new Error(first.errors[0]?.message ?? translate("namespace.read.yamlInvalid"));
  const parsed: unknown = first.toJS();
  const kept: string[] = [];
  undescribed(spec, parsed, [], kept);
  return {
    value: fromDoc(spec, parsed),
    kept,
    write: (next) => {
      const edits: Edit[] = [];
      docEdits(spec, [], parsed, next, edits);
      if (edits.length === 0) return source;
      // A fresh document each time: the Document API edits in place, keeping comments and order.
      const doc = parseDocument(source);
      for (const edit of edits) {
        if (edit.op === "set") doc.setIn(edit.path, edit.value);
        else doc.deleteIn(edit.path);
      }
      return String(doc);
    },
  };
}

/**
 * Reads a namespace's text for the form of `spec`; throws with a message for people when the
 * text cannot be read as the format (or, for properties, as the typed keys) says.
 */
export function readText(format: string, spec: Spec, source: string): FormText {
  switch (format) {
    case "properties":
      return propertiesForm(spec, source);
    case "json":
      return jsonForm(spec, source);
    case "yaml":
    case "yml":
      return yamlForm(spec, source);
    default:
      throw new Error(translate("namespace.read.noForm", { format }));
  }
}

/**
 * The place of the form a problem of the text check names: a properties key as written
 * (`db.pool-size`, `hosts[1]`) or a JSON pointer (`/db/pool_size`); `undefined` when it names
 * none.
 */
export function problemPath(format: string, at: string): Path | undefined {
  if (at === "") return undefined;
  if (format === "properties") {
    try {
      return keyPath(at);
    } catch {
      return undefined;
    }
  }
  if (!at.startsWith("/")) return undefined;
  return at
    .slice(1)
    .split("/")
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}
