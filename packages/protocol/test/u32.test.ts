import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { readU32, writeU32 } from "../src/frame/u32.js";

describe("u32 fields", () => {
  it("match Buffer's big-endian reads and writes at the edges", () => {
    for (const value of [0, 1, 0xff, 0x100, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff]) {
      const ours = Buffer.alloc(7, 0xaa);
      const theirs = Buffer.alloc(7, 0xaa);
      writeU32(ours, 2, value);
      theirs.writeUInt32BE(value, 2);
      expect(ours).toEqual(theirs);
      expect(readU32(theirs, 2)).toBe(value);
    }
  });

  test.prop([fc.integer({ min: 0, max: 0xffffffff }), fc.nat({ max: 8 })])(
    "a written value reads back the same, and only its four bytes change",
    (value, at) => {
      const bytes = Buffer.alloc(12, 0x55);
      writeU32(bytes, at, value);
      expect(readU32(bytes, at)).toBe(value);
      expect(bytes.readUInt32BE(at)).toBe(value);
      for (let i = 0; i < bytes.length; i++) if (i < at || i >= at + 4) expect(bytes[i]).toBe(0x55);
    },
  );
});
