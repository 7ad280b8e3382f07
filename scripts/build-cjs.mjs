// The CommonJS build: every shipped library module of dist/ (not the CLI, not the bench
// reference) converted by esbuild, file by file, to a .cjs beside its .js, with its
// declarations copied to a .d.cts, so that `require("dtmf-wasm")` and every subpath work
// and TypeScript sees CommonJS types under the `require` condition. Files stay beside their
// ESM twins, so relative URLs (build/dtmf.wasm, the worklet processor) mean the same place.
// The ESM and CommonJS copies are separate module instances (a value made by one is not an
// instance of the other's classes): load the package one way per program.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { transformSync } from "esbuild";

const dist = new URL("../dist/", import.meta.url).pathname;
const SKIP = new Set(["cli", "reference", "schemas"]);
const IMPORT_META_URL = "__dtmfImportMetaUrl";

// import.meta.url of a CommonJS module: its file as a file: URL, built without node:url so
// that a browser bundler taking the CommonJS files (worklet) meets no Node module name.
const FILE_URL = String.raw`(() => { const p = __filename.replace(/\\/g, "/"); return (p.startsWith("/") ? "file://" : "file:///") + encodeURI(p).replace(/[?#]/g, encodeURIComponent); })()`;

/** Relative specifiers end in .js in the ESM build; their CommonJS twins end in .cjs. */
const toCjsSpecifiers = (code) => code.replace(/((?:require\(|from |import\()\s*["'])(\.{1,2}\/[^"']+)\.js(["'])/g, "$1$2.cjs$3");

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) { if (dir !== dist || !SKIP.has(entry.name)) yield* files(join(dir, entry.name)); }
    else yield join(dir, entry.name);
  }
}

let count = 0;
for (const file of files(dist)) {
  if (file.endsWith(".js")) {
    const source = readFileSync(file, "utf8");
    const usesMeta = source.includes("import.meta");
    const { code, warnings } = transformSync(source, {
      format: "cjs", platform: "neutral", target: "es2022", sourcefile: relative(dist, file),
      define: usesMeta ? { "import.meta.url": IMPORT_META_URL } : undefined,
      banner: usesMeta ? `const ${IMPORT_META_URL} = ${FILE_URL};` : undefined,
    });
    if (warnings.length) throw new Error(`${file}: ${warnings.map((w) => w.text).join("; ")}`);
    writeFileSync(file.replace(/\.js$/, ".cjs"), toCjsSpecifiers(code).replace(/\n\/\/# sourceMappingURL=.*\n?$/, "\n"));
    count++;
  } else if (file.endsWith(".d.ts")) {
    writeFileSync(file.replace(/\.d\.ts$/, ".d.cts"), toCjsSpecifiers(readFileSync(file, "utf8")));
  }
}
console.log(`build-cjs: ${count} CommonJS modules beside dist/**/*.js`);
