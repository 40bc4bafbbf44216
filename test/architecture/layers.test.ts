import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The layers of src/, lowest first (docs/ARCHITECTURE.md). A module may import from its own
 * layer and from any layer below it, never from one above. Layers that share a rank (exchange,
 * audit) are siblings: neither imports the other.
 */
const LAYERS: ReadonlyArray<readonly string[]> = [
  ["i18n"],
  ["errors.ts", "db"],
  ["events"],
  ["wire"],
  ["projections"],
  ["node"],
  ["ship"],
  ["exchange", "audit"],
  ["demo"],
  ["cli"],
  ["index.ts"],
];

const SRC = resolve(import.meta.dirname, "../../src");

function layerOf(file: string): { rank: number; name: string } {
  const top = relative(SRC, file).split("/")[0] as string;
  const rank = LAYERS.findIndex((names) => names.includes(top));
  if (rank < 0) throw new Error(`${relative(SRC, file)}: not in any layer of test/architecture/layers.test.ts; add its folder to LAYERS`);
  return { rank, name: top };
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : name.endsWith(".ts") ? [path] : [];
  });
}

export interface ImportEdge {
  file: string;
  line: number;
  target: string;
}

/** Relative imports of a TypeScript source (static, `export … from` and dynamic `import()`). */
export function importsOf(file: string, text: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  text.split("\n").forEach((line, i) => {
    for (const m of line.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/g)) {
      edges.push({ file, line: i + 1, target: resolve(dirname(file), (m[1] as string).replace(/\.js$/, ".ts")) });
    }
  });
  return edges;
}

/** Every import that points up the order of LAYERS, as `file:line: message`. */
export function backPointingImports(files: ReadonlyArray<{ path: string; text: string }>): string[] {
  const problems: string[] = [];
  for (const { path, text } of files) {
    const from = layerOf(path);
    for (const edge of importsOf(path, text)) {
      const to = layerOf(edge.target);
      if (to.rank < from.rank || to.name === from.name) continue;
      const why = to.rank === from.rank ? `${to.name} is a sibling layer of ${from.name}` : `${to.name} is above ${from.name}`;
      problems.push(`src/${relative(SRC, path)}:${edge.line}: imports src/${relative(SRC, edge.target)}, but ${why}`);
    }
  }
  return problems;
}

describe("layers of src/", () => {
  it("every import points down the order i18n → events → wire → projections → node → ship → exchange/audit → demo → cli", () => {
    const files = sourceFiles(SRC).map((path) => ({ path, text: readFileSync(path, "utf8") }));
    expect(files.length).toBeGreaterThan(50);
    expect(backPointingImports(files)).toEqual([]);
  });

  it("names the file, the line and the layers of an import that points back up", () => {
    const projector = { path: join(SRC, "projections/projector.ts"), text: `import type { X } from "../events/eventTypes.js";\nimport { sync } from "../ship/sync.js";\n` };
    const audit = { path: join(SRC, "audit/history.ts"), text: `export { parseRows } from "../exchange/csvImport.js";\n` };
    const events = { path: join(SRC, "events/decide.ts"), text: `const m = await import("../node/sincroNode.js");\n` };
    expect(backPointingImports([projector, audit, events])).toEqual([
      "src/projections/projector.ts:2: imports src/ship/sync.ts, but ship is above projections",
      "src/audit/history.ts:1: imports src/exchange/csvImport.ts, but exchange is a sibling layer of audit",
      "src/events/decide.ts:1: imports src/node/sincroNode.ts, but node is above events",
    ]);
  });

  it("refuses a folder that is in no layer", () => {
    expect(() => backPointingImports([{ path: join(SRC, "misc/x.ts"), text: "" }])).toThrow(/misc\/x\.ts: not in any layer/);
  });
});
