/**
 * Docs that stay true: the TypeDoc API reference builds from the TSDoc comments with no
 * warning (typedoc.json treats warnings as errors: broken {@link}s, referenced types left
 * out) and no broken link between its pages; every relative link in README.md, docs/ and
 * bench/README.md names a file in the repository; user-facing bench output names no
 * issue numbers.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");

function files(dir: string, ending: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith(ending)).map((f) => join(dir, f));
}

describe("API reference (TypeDoc)", () => {
  it("builds with no warning, and its pages link only to pages that exist", () => {
    const out = mkdtempSync(join(tmpdir(), "dtmf-api-"));
    try {
      execFileSync(process.execPath, [join(ROOT, "node_modules", "typedoc", "bin", "typedoc"), "--out", out, "--logLevel", "Warn"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`typedoc failed:\n${stdout ?? ""}${stderr ?? ""}`);
    }
    const pages = files(out, ".html");
    expect(pages.length).toBeGreaterThan(20);
    const broken: string[] = [];
    for (const page of pages) {
      for (const [, href] of readFileSync(page, "utf8").matchAll(/href="([^"#?]+)[^"]*"/g)) {
        if (/^[a-z]+:/i.test(href!) || href!.startsWith("//")) continue;
        if (!existsSync(resolve(dirname(page), decodeURI(href!)))) broken.push(`${page.slice(out.length + 1)} → ${href}`);
      }
    }
    expect(broken).toEqual([]);
  }, 120_000);
});

describe("Markdown links", () => {
  const docs = [join(ROOT, "README.md"), join(ROOT, "bench", "README.md"), ...files(join(ROOT, "docs"), ".md")].filter(existsSync);
  for (const doc of docs) {
    it(`${doc.slice(ROOT.length + 1)}: every relative link names a file`, () => {
      const text = readFileSync(doc, "utf8").replace(/```[\s\S]*?```/g, "");
      const broken: string[] = [];
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        if (/^[a-z]+:/i.test(target!) || target!.startsWith("#")) continue;
        const path = decodeURI(target!.split("#")[0]!);
        if (!existsSync(resolve(dirname(doc), path))) broken.push(target!);
      }
      expect(broken).toEqual([]);
    });
  }
});

describe("bench output", () => {
  it("names no issue numbers (comments may)", () => {
    const sources = [...files(join(ROOT, "bench"), ".mjs")].filter((f) => !f.includes(`${join("bench", "work")}`));
    const offending: string[] = [];
    for (const file of sources) {
      readFileSync(file, "utf8").split("\n").forEach((line, i) => {
        const code = line.replace(/\/\*.*?\*\//g, "").replace(/\/\/.*$/, "").replace(/^\s*(\/\*\*?|\*).*$/, "");
        if (/issue\s*#?\d/i.test(code)) offending.push(`${file.slice(ROOT.length + 1)}:${i + 1}`);
      });
    }
    expect(offending).toEqual([]);
  });
});
