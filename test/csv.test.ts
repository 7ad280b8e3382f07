/** The CLI's CSV writer (src/cli/csv.ts): RFC 4180 quoting of the fixed columns. */
import { describe, expect, it } from "vitest";
import { csvField, csvLines } from "../src/cli/csv.js";

describe("csv", () => {
  it("quotes only fields with a comma, a quote or a line break, doubling quotes", () => {
    expect(["plain.wav", "a,b.wav", 'say "hi".wav', "two\nlines", "cr\r", "", " spaced "].map(csvField))
      .toEqual(["plain.wav", '"a,b.wav"', '"say ""hi"".wav"', '"two\nlines"', '"cr\r"', "", " spaced "]);
  });
  it("writes numbers as JavaScript prints them and null/undefined as empty", () => {
    expect([0, -3.5, 1e21, null, undefined].map(csvField)).toEqual(["0", "-3.5", "1e+21", "", ""]);
  });
  it("writes the header once, then each row in column order", () => {
    const rows = [{ b: 2, a: "x,y" }, { a: "z" }];
    expect(csvLines(rows, ["a", "b"], true)).toBe('a,b\n"x,y",2\nz,\n');
    expect(csvLines(rows, ["a", "b"], false)).toBe('"x,y",2\nz,\n');
    expect(csvLines([], ["a", "b"], true)).toBe("a,b\n");
  });
});
