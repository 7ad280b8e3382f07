/**
 * The package as a user meets it: `npm pack`'s tarball installed into an empty project (from
 * npm's local cache only: `--offline`, so the test needs no network), then used from ESM, from
 * CommonJS (every entry point), from TypeScript (`nodenext` without the DOM lib and with
 * `skipLibCheck: false`, and `bundler`), bundled by esbuild --platform=browser and by Vite, and
 * both bundles run in Chromium. The tools are the repository's own (devDependencies), run in
 * the temporary project. Without /usr/bin/chromium the browser runs are skipped, saying so.
 * `npm run build` first (`npm test` does).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { dirname, extname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
const BIN = (name: string) => join(ROOT, "node_modules", ".bin", name);
const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`test/package.test.ts: skipped the browser runs: chromium not installed at ${CHROMIUM} (apt-get install chromium)`);
/** The keys every consumer below detects in its own generated audio. */
const KEYS = "147#";
const ENTRY_POINTS = ["dtmf-wasm", "dtmf-wasm/rtp", "dtmf-wasm/streams/node", "dtmf-wasm/streams/web", "dtmf-wasm/worklet"];
/** Node's modules, as a bundle would name them (a browser bundle must name none). */
const NODE_MODULE_NAME = /["'](node:[a-z/_]+|fs|fs\/promises|path|url|stream|http|https|net|os|worker_threads|child_process)["']/;

let project: string;
let tarball: string;

/** Runs a tool; a failure carries its output (tsc reports on stdout). */
function run(command: string, args: string[], cwd = project): string {
  try {
    return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, npm_config_update_notifier: "false" } });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw Object.assign(new Error(`${command} ${args.join(" ")} failed:\n${stdout ?? ""}${stderr ?? ""}`), { stderr });
  }
}

/** tsc -p `dir`: fails with tsc's diagnostics. */
function typeCheck(dir: string): void {
  run("node", [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", dir]);
}

/** The app every consumer runs: generate KEYS, detect them, print the digits. */
const APP_BODY = `
const engine = await DtmfEngine.create();
const detector = engine.createDetector({ sampleRate: 8000, encoding: "float32" });
const audio = generateDtmf({ keys: "${KEYS}", sampleRate: 8000 });
const digits = [...detector.process(audio.samples), ...detector.flush()].filter((e) => e.type === "dtmf").map((e) => e.digit).join("");
`;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), "dtmf-wasm-pack-"));
  const out = run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", project], ROOT);
  tarball = join(project, (JSON.parse(out) as { filename: string }[])[0]!.filename);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" }));
  installOffline();
}, 120_000);

/**
 * `npm install <tarball> --offline`: from npm's cache only, never the network. When the cache
 * lacks a dependency (node_modules filled some other way), the tarball is unpacked as npm would
 * and each runtime dependency is linked to this repository's installed copy: the package's own
 * files are still exactly the tarball's.
 */
function installOffline(): void {
  try {
    run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball]);
    return;
  } catch (error) {
    if (!/ENOTCACHED/.test(String((error as { stderr?: string }).stderr ?? error))) throw error;
  }
  console.warn("test/package.test.ts: npm's cache lacks a dependency: the tarball is unpacked and its dependencies linked to this repository's node_modules (no network used)");
  const target = join(project, "node_modules", "dtmf-wasm");
  mkdirSync(target, { recursive: true });
  run("tar", ["-xzf", tarball, "-C", target, "--strip-components=1"]);
  const manifest = JSON.parse(readFileSync(join(target, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
  for (const name of Object.keys(manifest.dependencies ?? {})) {
    const link = join(project, "node_modules", name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(ROOT, "node_modules", name), link, "dir");
  }
}

afterAll(() => { if (project) rmSync(project, { recursive: true, force: true }); });

describe("the browser entry", () => {
  it("exports what the Node entry does, less the call server", async () => {
    const names = async (path: string) => Object.keys(await import(path) as object).sort();
    const server = new Set(await names("../src/server/index.js"));
    expect(await names("../src/browser.js")).toEqual((await names("../src/index.js")).filter((n) => !server.has(n)));
  });
});

describe("the packed tarball installed into an empty project", () => {
  it("ships no broken source map and no reference, bench or test files", () => {
    const list = (JSON.parse(run("npm", ["pack", "--dry-run", "--ignore-scripts", "--json"], ROOT)) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    expect(list).toContain("LICENSE");
    expect(list.filter((p) => /^(src|bench|test|reference|assembly)\//.test(p) || p.startsWith("dist/reference/"))).toEqual([]);
    const installed = join(project, "node_modules", "dtmf-wasm");
    for (const map of list.filter((p) => p.endsWith(".map"))) {
      const parsed = JSON.parse(readFileSync(join(installed, map), "utf8")) as { sources: string[]; sourcesContent?: (string | null)[] };
      expect(parsed.sourcesContent?.length, map).toBe(parsed.sources.length);
      expect(parsed.sourcesContent!.every((s) => typeof s === "string"), map).toBe(true);
    }
  });

  it("works from ESM", () => {
    writeFileSync(join(project, "esm.mjs"), `import { DtmfEngine, generateDtmf } from "dtmf-wasm";\n${APP_BODY}\nconsole.log(digits);\n`);
    expect(run("node", ["esm.mjs"]).trim()).toBe(KEYS);
  });

  it("npx dtmf-wasm analyze song.mp3: the CLI decodes MP3, Ogg and FLAC with no system tool", () => {
    // The package's bin, as npx runs it (node_modules/.bin links to it; the unpacked fallback has no .bin).
    const installed = join(project, "node_modules", "dtmf-wasm");
    const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as { bin: Record<string, string> };
    const cli = (args: string[]) => run(process.execPath, [join(installed, manifest.bin["dtmf-wasm"]!), ...args]);
    const fixtures = join(ROOT, "audio-fixtures", "compressed");
    const out = cli(["analyze", "-d", "-q", ...["demo.mp3", "demo.ogg", "demo.opus", "demo.flac"].map((f) => join(fixtures, f))]);
    expect(out.trim().split("\n").map((l) => l.split("\t").pop())).toEqual(Array(4).fill("5550123#"));
    expect(cli(["--version"]).trim()).toBe((JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version);
  });

  it("works from CommonJS: require() of every entry point", () => {
    writeFileSync(join(project, "cjs.cjs"), [
      `const { DtmfEngine, generateDtmf, DtmfError, DtmfOptionError } = require("dtmf-wasm");`,
      `for (const name of ${JSON.stringify(ENTRY_POINTS)}) if (Object.keys(require(name)).length === 0) throw new Error(name + " exports nothing");`,
      `if (!(new DtmfOptionError("x") instanceof DtmfError)) throw new Error("one error hierarchy");`,
      `(async () => {${APP_BODY}\nconsole.log(digits); })();`,
    ].join("\n"));
    expect(run("node", ["cjs.cjs"]).trim()).toBe(KEYS);
  });

  it("type-checks under TypeScript nodenext with no DOM lib and skipLibCheck off, ESM and CommonJS", () => {
    const dir = join(project, "ts-nodenext");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
      compilerOptions: {
        module: "nodenext", moduleResolution: "nodenext", target: "es2022", lib: ["es2022"], strict: true, noEmit: true,
        skipLibCheck: false, types: ["node"], typeRoots: [join(ROOT, "node_modules", "@types")],
      },
      include: ["*.mts", "*.cts"],
    }));
    writeFileSync(join(dir, "app.mts"), [
      `import { DtmfEngine, generateDtmf, type DtmfEvent } from "dtmf-wasm";`,
      `import { TelephoneEventReceiver } from "dtmf-wasm/rtp";`,
      `import { DtmfTransform } from "dtmf-wasm/streams/node";`,
      APP_BODY,
      `const first: DtmfEvent | undefined = undefined; void first; void TelephoneEventReceiver; void DtmfTransform; const n: string = digits; void n;`,
    ].join("\n"));
    writeFileSync(join(dir, "app.cts"), [
      `import dtmf = require("dtmf-wasm");`,
      `export async function count(): Promise<number> { const engine: dtmf.DtmfEngine = await dtmf.DtmfEngine.create(); return engine.createDetector({ sampleRate: 8000 }).flush().length; }`,
      `export const isOne: boolean = new dtmf.DtmfOptionError("x", "y", 1) instanceof dtmf.DtmfError;`,
    ].join("\n"));
    typeCheck(dir);
  });

  it("type-checks under TypeScript bundler resolution (with the DOM, worklet included)", () => {
    const dir = join(project, "ts-bundler");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
      // A browser project: the DOM, no Node types, the bundler's `browser` condition.
      compilerOptions: {
        module: "esnext", moduleResolution: "bundler", customConditions: ["browser"], target: "es2022", lib: ["es2022", "dom"],
        strict: true, noEmit: true, skipLibCheck: false, types: [],
      },
      include: ["*.ts"],
    }));
    writeFileSync(join(dir, "app.ts"), [
      `import { DtmfEngine, generateDtmf } from "dtmf-wasm";`,
      `import { createDtmfWorkletNode } from "dtmf-wasm/worklet";`,
      `import { DtmfTransformStream } from "dtmf-wasm/streams/web";`,
      APP_BODY,
      `void createDtmfWorkletNode; void DtmfTransformStream; export const out: string = digits;`,
    ].join("\n"));
    typeCheck(dir);
  });
});

describe("browser bundles of the installed package", () => {
  let server: Server | undefined;
  let origin = "";

  beforeAll(async () => {
    writeFileSync(join(project, "browser-app.js"), `import { DtmfEngine, generateDtmf } from "dtmf-wasm";\n${APP_BODY}\ndocument.title = "digits:" + digits;\n`);
    // esbuild for the browser: one file, the core embedded (no .wasm to serve).
    run(BIN("esbuild"), ["browser-app.js", "--bundle", "--platform=browser", "--format=esm", "--outfile=esbuild-out/app.js", "--log-level=warning"]);
    writeFileSync(join(project, "esbuild-out", "index.html"), `<!doctype html><script type="module" src="app.js"></script>`);
    // Vite: an index.html app, built.
    mkdirSync(join(project, "vite-app"), { recursive: true });
    writeFileSync(join(project, "vite-app", "index.html"), `<!doctype html><script type="module" src="../browser-app.js"></script>`);
    writeFileSync(join(project, "vite-app", "main.js"), "");
    run(BIN("vite"), ["build", "--base", "./", "--logLevel", "warn", "--outDir", join(project, "vite-out"), "--emptyOutDir"], join(project, "vite-app"));
    if (!hasChromium) return;
    server = createServer((req, res) => {
      const file = join(project, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
      if (!file.startsWith(project) || !existsSync(file)) { res.writeHead(404).end(); return; }
      const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
      res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
    });
    await new Promise<void>((done) => server!.listen(0, "127.0.0.1", done));
    const address = server.address();
    origin = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  }, 120_000);

  afterAll(async () => { await new Promise((done) => (server ? server.close(done) : done(undefined))); });

  const bundles = () => [
    { name: "esbuild", dir: join(project, "esbuild-out") },
    { name: "vite", dir: join(project, "vite-out") },
  ];

  it("name no Node module (esbuild and Vite)", () => {
    for (const { name, dir } of bundles()) {
      const js = readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith(".js"));
      expect(js.length, name).toBeGreaterThan(0);
      for (const f of js) expect(readFileSync(join(dir, f), "utf8"), `${name}: ${f}`).not.toMatch(NODE_MODULE_NAME);
      expect(readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith(".wasm")), `${name}: the core is embedded`).toEqual([]);
    }
  });

  it.skipIf(!hasChromium)("run in Chromium and detect the keys", async () => {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    try {
      for (const { name, dir } of bundles()) {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(e.message));
        await page.goto(`${origin}/${dir.slice(project.length + 1)}/index.html`);
        await page.waitForFunction(() => document.title.startsWith("digits:") , undefined, { timeout: 20_000 }).catch(() => undefined);
        expect({ name, title: await page.title(), errors }).toEqual({ name, title: `digits:${KEYS}`, errors: [] });
        await page.close();
      }
    } finally {
      await browser.close();
    }
  });
});
