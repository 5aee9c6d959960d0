import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { digestOfText } from "../../src/contract/canonical/canonical-json.js";
import {
  type ContractSchema,
  canonicalContract,
  canonicalSchema,
  canonicalText,
  contractDigest,
  defineContract,
  messageDigests,
  validateCanonicalContract,
  validateCanonicalNode,
} from "../../src/index.js";

// Golden vectors of the canonical form (test/vectors/canonical/*.json, quoted in PROTOCOL.md 7).
// Each holds zod source text, the canonical text and its digest. They are checked both ways: the
// source, evaluated, gives exactly the stored text, and the stored text gives the stored digest and
// is itself canonical. The schemas are fixed, so any change in the output fails here: a zod upgrade
// that changed a digest (a definition moved, a default changed) is caught by this test before it
// reaches peers, and so is a change to the rules. A deliberate change of the rules needs a new form
// version (CANONICAL_FORM_VERSION) and new vectors, never edited ones.

interface Vector {
  name: string;
  description: string;
  zod: string;
  canonical: string;
  digest: string;
  messages?: Record<string, string>;
}

const dir = new URL("../vectors/canonical/", import.meta.url);
const vectors: Vector[] = readdirSync(dir)
  .filter((file) => file.endsWith(".json"))
  .map((file) => JSON.parse(readFileSync(new URL(file, dir), "utf8")) as Vector);

/** Evaluates a vector's source: an expression, or statements ending in a return. */
function evaluate(source: string): unknown {
  const body = source.includes("return ") ? source : `return (${source});`;
  return new Function("z", "defineContract", body)(z, defineContract);
}

describe("canonical form golden vectors", () => {
  it("cover every node kind of form version 1", () => {
    const kinds = new Set<string>();
    for (const vector of vectors) {
      for (const match of vector.canonical.matchAll(/"type":"([a-z_]+)"/g))
        kinds.add(match[1] as string);
    }
    expect([...kinds].sort()).toEqual(
      [
        "any",
        "array",
        "bigint",
        "boolean",
        "catch",
        "codec",
        "custom",
        "date",
        "default",
        "enum",
        "file",
        "function",
        "integer",
        "intersection",
        "map",
        "nan",
        "never",
        "null",
        "nullable",
        "number",
        "object",
        "optional",
        "pipe",
        "prefault",
        "promise",
        "record",
        "set",
        "string",
        "success",
        "symbol",
        "template_literal",
        "transform",
        "tuple",
        "undefined",
        "union",
        "unknown",
      ].sort(),
    );
    expect(vectors.some((v) => v.canonical.includes('"$ref"'))).toBe(true);
  });

  it.each(vectors.filter((v) => v.messages === undefined))("$name", (vector) => {
    const form = canonicalSchema(evaluate(vector.zod) as z.ZodType);
    expect(canonicalText(form)).toBe(vector.canonical);
    const parsed = JSON.parse(vector.canonical) as unknown;
    expect(canonicalText(validateCanonicalNode(parsed))).toBe(vector.canonical);
    expect(digestOfText(vector.canonical)).toBe(vector.digest);
  });

  it.each(vectors.filter((v) => v.messages !== undefined))("$name (whole contract)", (vector) => {
    const contract = evaluate(vector.zod) as ContractSchema;
    expect(canonicalText(canonicalContract(contract))).toBe(vector.canonical);
    expect(contractDigest(contract)).toBe(vector.digest);
    expect(messageDigests(contract)).toEqual(vector.messages);
    const parsed = validateCanonicalContract(JSON.parse(vector.canonical));
    expect(digestOfText(canonicalText(parsed))).toBe(vector.digest);
    expect(messageDigests(parsed)).toEqual(vector.messages);
  });

  it("are named in PROTOCOL.md, which quotes the contracts' forms, digests and message digests", () => {
    const doc = readFileSync(new URL("../../PROTOCOL.md", import.meta.url), "utf8");
    for (const vector of vectors) expect(doc).toContain(`\`${vector.name}\``);
    const contracts = vectors.filter((v) => v.messages !== undefined);
    expect(contracts.map((v) => v.name).sort()).toEqual(["contract-chat", "contract-streams"]);
    for (const contract of contracts) {
      expect(doc).toContain(contract.canonical);
      expect(doc).toContain(`contract digest \`${contract.digest}\``);
      for (const [key, digest] of Object.entries(contract.messages ?? {})) {
        expect(doc).toContain(`| \`${key}\` | \`${digest}\` |`);
      }
    }
    const recursive = vectors.find((v) => v.name === "recursive-getter") as Vector;
    expect(doc).toContain(recursive.canonical);
  });
});
