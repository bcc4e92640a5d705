// Checks the UI's messages: every id the sources use is in both catalogues (English and
// Chinese), no catalogue holds an id nothing uses, each message parses (ICU message format)
// and takes the same placeholders in both languages, and no component shows a person text
// that is not a message (JSX text, a label-like attribute, a sentence in a string).
//
// Ids are used as literals: `t("…")`, `t.rich("…")`, `translate("…")` and `msg("…")` (for ids
// held in data). A line may opt out of the text check with a comment holding `i18n-ignore`
// (on that line or the one before), for text that is not for people (a CSS selector, say).
//
// Usage: node scripts/check-messages.mjs   (exit 1 with a list of problems)
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { parse, TYPE } from "@formatjs/icu-messageformat-parser";

const root = fileURLToPath(new URL("..", import.meta.url));
const src = join(root, "src");
const messagesDir = join(src, "i18n", "messages");
const LANGUAGES = ["en", "zh-CN"];
const problems = [];

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      walk(path, out);
    } else if (/\.(ts|tsx)$/.test(name) && !name.endsWith(".d.ts")) {
      out.push(path);
    }
  }
  return out;
}

// --- catalogues -----------------------------------------------------------------------------
/** language → id → { message, file } */
const catalogues = {};
for (const language of LANGUAGES) {
  catalogues[language] = new Map();
  for (const file of readdirSync(join(messagesDir, language)).filter((f) => f.endsWith(".json"))) {
    const area = file.replace(/\.json$/, "");
    const path = join(messagesDir, language, file);
    let data;
    try {
      data = JSON.parse(readFileSync(path, "utf8"));
    } catch (error) {
      problems.push(`${relative(root, path)}: not JSON (${error.message})`);
      continue;
    }
    for (const [id, message] of Object.entries(data)) {
      if (!id.startsWith(`${area}.`)) {
        problems.push(`${relative(root, path)}: "${id}" belongs in the file of its area (ids here start with "${area}.")`);
      }
      if (typeof message !== "string" || message.trim() === "") {
        problems.push(`${relative(root, path)}: "${id}" is empty or not a string`);
        continue;
      }
      catalogues[language].set(id, { message, file: relative(root, path) });
    }
  }
}

/** The placeholder names of an ICU message (and its tags), or a parse error. */
function argumentsOf(message) {
  const names = new Set();
  const visit = (elements) => {
    for (const element of elements) {
      if (element.type === TYPE.argument || element.type === TYPE.number || element.type === TYPE.date || element.type === TYPE.time) {
        names.add(element.value);
      } else if (element.type === TYPE.plural || element.type === TYPE.select) {
        names.add(element.value);
        for (const option of Object.values(element.options)) {
          visit(option.value);
        }
      } else if (element.type === TYPE.tag) {
        names.add(`<${element.value}>`);
        visit(element.children);
      }
    }
  };
  visit(parse(message));
  return [...names].sort().join(", ");
}

const [en, zh] = [catalogues.en, catalogues["zh-CN"]];
for (const language of LANGUAGES) {
  for (const [id, { message, file }] of catalogues[language]) {
    try {
      argumentsOf(message);
    } catch (error) {
      problems.push(`${file}: "${id}" does not parse: ${error.message}`);
    }
  }
}
for (const [id, { file }] of en) {
  if (!zh.has(id)) {
    problems.push(`${file}: "${id}" has no Chinese message`);
  }
}
for (const [id, { file }] of zh) {
  if (!en.has(id)) {
    problems.push(`${file}: "${id}" has no English message`);
  }
}
for (const [id, { message, file }] of en) {
  const other = zh.get(id);
  if (!other) {
    continue;
  }
  try {
    const [a, b] = [argumentsOf(message), argumentsOf(other.message)];
    if (a !== b) {
      problems.push(`${other.file}: "${id}" takes {${b}}, the English {${a}}`);
    }
  } catch {
    // reported above
  }
}

// --- sources ---------------------------------------------------------------------------------
const CALLS = new Set(["t", "translate", "msg"]);
/** Attributes whose value people read. */
const READ_ATTRIBUTES = new Set(["title", "placeholder", "aria-label", "alt", "label", "hint", "description", "emptyText", "confirmLabel", "aria-description"]);
/** Words that are names, the same in every language. */
const NAMES = new Set(["Lyre", "JSON", "YAML", "XML", "TXT", "Properties", "OIDC", "LDAP", "CI", "URL", "ID", "IP", "SDK", "API", "Open API", "Apollo", "HMAC", "SHA-256"]);

/** Whether a literal looks like text for people: a word with a capital or a sentence. */
function isProse(text) {
  const trimmed = text.replace(/\s+/g, " ").trim();
  if (!/[A-Za-z]{2,}/.test(trimmed) || NAMES.has(trimmed)) {
    return false;
  }
  return true;
}
/** Whether a string outside JSX reads as a sentence or a label (not a class list, path or identifier). */
function isSentence(text) {
  return /[A-Z][a-z]+[ ,][a-z]/.test(text) || /\b[a-z]+ [a-z]+ [a-z]+[.!?…]$/.test(text) || (/^[A-Z][a-z]+[.…]?$/.test(text) && !NAMES.has(text));
}

const used = new Set();
for (const path of walk(src)) {
  const rel = relative(root, path);
  if (rel.startsWith(join("src", "i18n"))) {
    continue;
  }
  const text = readFileSync(path, "utf8");
  const lines = text.split("\n");
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, path.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const ignored = (node) => {
    const line = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
    return [line, line - 1].some((l) => l >= 0 && lines[l]?.includes("i18n-ignore"));
  };
  const where = (node) => `${rel}:${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}`;

  const visit = (node) => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const name = ts.isIdentifier(callee)
        ? callee.text
        : ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === "t" && callee.name.text === "rich"
          ? "t"
          : null;
      const [first] = node.arguments;
      if (name && CALLS.has(name) && first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) {
        used.add(first.text);
        if (!en.has(first.text)) {
          problems.push(`${where(first)}: "${first.text}" is in no English catalogue`);
        }
        // The id itself is not text for people; the values may hold more messages.
        node.arguments.slice(1).forEach(visit);
        return;
      }
    }
    if (ts.isJsxText(node) && isProse(node.text) && !ignored(node)) {
      problems.push(`${where(node)}: text "${node.text.trim().slice(0, 60)}" is not a message`);
    }
    if (ts.isJsxAttribute(node) && node.initializer) {
      const attribute = node.name.getText(file);
      const value = ts.isStringLiteral(node.initializer)
        ? node.initializer
        : ts.isJsxExpression(node.initializer) && node.initializer.expression && (ts.isStringLiteral(node.initializer.expression) || ts.isNoSubstitutionTemplateLiteral(node.initializer.expression))
          ? node.initializer.expression
          : null;
      if (value && READ_ATTRIBUTES.has(attribute) && isProse(value.text) && !ignored(node)) {
        problems.push(`${where(node)}: ${attribute}="${value.text.slice(0, 60)}" is not a message`);
      }
      if (value && READ_ATTRIBUTES.has(attribute)) {
        return;
      }
      if (attribute === "className" || attribute === "data-testid" || attribute === "id" || attribute === "href" || attribute === "type") {
        return;
      }
    }
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) && !ignored(node)) {
      const parent = node.parent;
      const isImport = ts.isImportDeclaration(parent) || ts.isExportDeclaration(parent) || ts.isLiteralTypeNode(parent);
      const isKey = ts.isPropertyAssignment(parent) && parent.name === node;
      const isComparison =
        (ts.isBinaryExpression(parent) && [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken].includes(parent.operatorToken.kind)) ||
        ts.isCaseClause(parent);
      const isThrow = ts.isNewExpression(parent) && ts.isIdentifier(parent.expression) && parent.expression.text === "Error";
      if (!isImport && !isKey && !isThrow && !isComparison && isSentence(node.text)) {
        problems.push(`${where(node)}: "${node.text.slice(0, 60)}" reads as a sentence but is not a message`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
}

for (const [id, { file }] of en) {
  if (!used.has(id)) {
    problems.push(`${file}: "${id}" is used nowhere`);
  }
}

if (problems.length > 0) {
  console.error(`check:messages: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join("\n")}`);
  process.exitCode = 1; // set, not exit(): the list above is flushed first
} else {
  console.log(`check:messages: ${en.size} messages, English and Chinese, all used`);
}
