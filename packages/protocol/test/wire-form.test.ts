import { test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defaultCodec } from "../src/codec/json-codec.js";
import { FRAME_PREFIX_BYTES } from "../src/constants.js";
import { PayloadRole } from "../src/contract/validate.js";
import { Kind } from "../src/envelope/kinds.js";
import { ErrorCode } from "../src/errors/codes.js";
import { encodeInArena } from "../src/message/encode-in-arena.js";
import { frameArena } from "../src/message/frame-arena.js";
import { outboundValue, toWireValue } from "../src/message/outbound.js";
import { projectValue, sendsParsedOutput } from "../src/message/wire-form.js";
import { schemaOf, schemaWithValues } from "./fixtures/schemas.js";

// What goes on the wire is what the schema declares: zod's parse output for a schema without
// transforms, the input projected onto the schema's input side for one with a transform.

/** The payload text the send path writes for `value`: validated, then encoded in the arena. */
function sent(schema: z.ZodType, value: unknown, validate = true): string {
  const wire = outboundValue(schema, value, validate, PayloadRole.EVENT, "e");
  const pending = encodeInArena(Kind.EVENT, 0, "e", undefined, defaultCodec, schema, wire);
  if (pending === undefined) throw new Error("the arena is busy");
  const frame = frameArena.take(pending);
  return frame.toString("utf8", FRAME_PREFIX_BYTES + 7 + 1);
}

const row = z.object({ id: z.number(), name: z.string() });

describe("what a sender writes", () => {
  it("leaves out the keys a stripping object does not declare, at any depth", () => {
    const value = { id: 1, name: "ada", passwordHash: "x" };
    expect(sent(row, value)).toBe('{"id":1,"name":"ada"}');
    const nested = z.object({ user: row, friends: z.array(row) });
    const deep = { user: value, friends: [value, { ...value, token: "t" }], extra: 1 };
    expect(sent(nested, deep)).toBe(JSON.stringify(nested.parse(deep)));
    expect(sent(nested, deep)).not.toContain("passwordHash");
  });

  it("does the same when the value leaves the fast path (a string that needs an escape)", () => {
    const value = { id: 1, name: 'a "quoted"\nname', passwordHash: "x" };
    expect(sent(row, value)).toBe(JSON.stringify({ id: 1, name: value.name }));
  });

  it("does the same without validation", () => {
    expect(sent(row, { id: 1, name: "a", passwordHash: "x" }, false)).toBe('{"id":1,"name":"a"}');
    const strict = z.strictObject({ id: z.number() });
    expect(sent(strict, { id: 1, passwordHash: "x" }, false)).toBe('{"id":1}');
  });

  it("refuses undeclared keys for a strict object before anything is encoded", () => {
    const strict = z.strictObject({ id: z.number() });
    expect(() => outboundValue(strict, { id: 1, x: 2 }, true, PayloadRole.EVENT, "e")).toThrow(
      expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED }),
    );
  });

  it("keeps undeclared keys of a loose object or a catchall", () => {
    expect(sent(z.looseObject({ id: z.number() }), { x: 1, id: 2 })).toBe('{"id":2,"x":1}');
    const catchall = z.object({ id: z.number() }).catchall(z.string());
    expect(sent(catchall, { id: 2, x: "y" })).toBe('{"id":2,"x":"y"}');
  });

  it("fills in defaults, as zod's output has them", () => {
    const typing = z.object({ on: z.boolean().default(true) });
    expect(sent(typing, {})).toBe('{"on":true}');
  });

  it("sends the input of a schema with a transform, projected, so the receiver transforms once", () => {
    const length = z.object({ text: z.string().transform((s) => s.length) });
    expect(sendsParsedOutput(length)).toBe(false);
    const wire = sent(length, { text: "abc", secret: 1 });
    expect(wire).toBe('{"text":"abc"}');
    expect(length.parse(JSON.parse(wire))).toEqual({ text: 3 });
    const pre = z.object({ n: z.preprocess((v) => Number(v), z.number()), other: z.string() });
    expect(sent(pre, { n: "5", other: "o", x: 1 })).toBe('{"n":"5","other":"o"}');
    const trimmed = z.object({ s: z.string().overwrite((s) => `${s}!`) });
    expect(sendsParsedOutput(trimmed)).toBe(false);
    expect(sent(trimmed, { s: "a" })).toBe('{"s":"a"}');
  });

  it("projects unions, tuples, records, intersections and recursive schemas", () => {
    const union = z.union([z.object({ a: z.number() }), z.object({ b: z.string() })]);
    expect(projectValue(union, { b: "x", c: 1 })).toEqual({ b: "x" });
    const tuple = z.tuple([row, z.number()]);
    expect(projectValue(tuple, [{ id: 1, name: "n", p: 1 }, 2])).toEqual([{ id: 1, name: "n" }, 2]);
    expect(projectValue(z.record(z.string(), row), { k: { id: 1, name: "n", p: 1 } })).toEqual({
      k: { id: 1, name: "n" },
    });
    const both = z.intersection(z.object({ a: z.number() }), z.object({ b: z.number() }));
    expect(projectValue(both, { a: 1, b: 2, c: 3 })).toEqual({ a: 1, b: 2 });
    interface Node {
      name: string;
      children: Node[];
    }
    const node: z.ZodType<Node> = z.lazy(() =>
      z.object({ name: z.string(), children: z.array(node) }),
    );
    const tree = { name: "r", x: 1, children: [{ name: "c", y: 2, children: [] }] };
    expect(projectValue(node, tree)).toEqual({
      name: "r",
      children: [{ name: "c", children: [] }],
    });
  });

  it("never copies a __proto__ key, and leaves the input unchanged", () => {
    const loose = z.looseObject({ a: z.number() });
    const input = JSON.parse('{"a":1,"__proto__":{"admin":true},"b":2}');
    const out = projectValue(loose, input) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(out).toEqual({ a: 1, b: 2 });
    expect(Object.keys(input)).toEqual(["a", "__proto__", "b"]);
  });

  it("sends only declared credentials", () => {
    const credentials = z.object({ token: z.string() });
    expect(toWireValue(credentials, { token: "t", debug: true }, "credentials")).toEqual({
      token: "t",
    });
    expect(() => toWireValue(credentials, { token: 1 }, "credentials")).toThrow(
      expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED }),
    );
  });
});

describe("what a sender writes: properties against zod", () => {
  test.prop([schemaWithValues], { numRuns: 400 })(
    "for random schemas and values with undeclared keys: exactly JSON.stringify of zod's output",
    ([desc, values]) => {
      const schema = schemaOf(desc);
      for (const value of values) {
        const parsed = schema.safeParse(value);
        if (!parsed.success) continue;
        const expected = JSON.stringify(parsed.data);
        expect(sent(schema, value)).toBe(expected === undefined ? "" : expected);
        // The receiver, parsing what was sent, gets what the sender's zod made of the value.
        // (Not with defaults: zod returns a default as it is, unparsed, so `{}` for an object
        // default whose fields have defaults of their own reads back with those filled in.)
        if (expected !== undefined && !JSON.stringify(desc).includes('"default"')) {
          // Compared as JSON: -0 has no JSON form of its own and reads back as 0.
          expect(JSON.stringify(schema.parse(JSON.parse(expected)))).toBe(expected);
        }
      }
    },
  );

  test.prop([schemaWithValues], { numRuns: 200 })(
    "the general path's projection of zod's output is zod's output",
    ([desc, values]) => {
      const schema = schemaOf(desc);
      for (const value of values) {
        const parsed = schema.safeParse(value);
        if (!parsed.success) continue;
        expect(JSON.stringify(projectValue(schema, parsed.data))).toBe(JSON.stringify(parsed.data));
      }
    },
  );

  it("leaves the arena free for the next encoding", () => {
    expect(frameArena.begin()).toBe(true);
    frameArena.end();
  });
});
