import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

// docs/RELIABILITY.md must stay true: a section for every one of the 27 cases with each of its
// parts, and every test it cites must exist under that name.

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const doc = readFileSync(`${ROOT}docs/RELIABILITY.md`, "utf8");

/** The text of "#### Case n." up to the next heading. */
function section(n: number): string {
  const start = doc.indexOf(`#### Case ${n}.`);
  if (start < 0) return "";
  const next = doc.slice(start + 1).search(/\n#{2,4} /);
  return next < 0 ? doc.slice(start) : doc.slice(start, start + 1 + next);
}

describe("docs/RELIABILITY.md", () => {
  test("has every case, each with its guarantee, default, tests, figures and the comparison", () => {
    for (let n = 1; n <= 27; n++) {
      const text = section(n);
      expect(text, `case ${n}`).not.toBe("");
      for (const part of ["Guarantee", "Default", "Tests", "Measured", "Others"])
        expect(text, `case ${n}: ${part}`).toContain(`- **${part}**:`);
    }
  });

  test("every test it cites exists, under the name it gives", () => {
    const citations = [
      ...doc.matchAll(/`((?:packages|apps|reliability)\/[\w./-]+\.test\.ts)` › "([^"]+)"/g),
    ];
    expect(citations.length).toBeGreaterThan(60);
    for (const [, path = "", name = ""] of citations) {
      expect(existsSync(`${ROOT}${path}`), path).toBe(true);
      expect(readFileSync(`${ROOT}${path}`, "utf8"), `${path} › ${name}`).toContain(name);
    }
  });

  test("every case cites at least one test", () => {
    for (let n = 1; n <= 27; n++) expect(section(n), `case ${n}`).toMatch(/\.test\.ts` › "/);
  });
});
