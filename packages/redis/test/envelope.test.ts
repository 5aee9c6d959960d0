import { fc, test } from "@fast-check/vitest";
import { ErrorCode, encodeEnvelope, Kind } from "@sockwire/protocol";
import type { AdapterTarget } from "@sockwire/server";
import { describe, expect } from "vitest";
import {
  CLUSTER_ENVELOPE_VERSION,
  decodeClusterMessage,
  encodeClusterMessage,
} from "../src/index.js";

const idChars = fc.constantFrom(..."abcXYZ019_-.".split(""));
const instanceId = fc
  .string({ unit: idChars, minLength: 1, maxLength: 64 })
  .filter((s) => !s.includes("."));
const connectionId = fc.string({ unit: idChars, minLength: 1, maxLength: 80 });
const roomName = fc.string({ unit: "grapheme", minLength: 1, maxLength: 256 });
const target: fc.Arbitrary<AdapterTarget> = fc.oneof(
  fc.record({
    kind: fc.constant("all" as const),
    except: fc.option(connectionId, { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant("room" as const),
    room: roomName,
    except: fc.option(connectionId, { nil: undefined }),
  }),
  fc.record({ kind: fc.constant("connection" as const), id: connectionId }),
);
const eventFrame = fc
  .tuple(fc.stringMatching(/^[a-z]{1,20}$/), fc.uint8Array({ maxLength: 2000 }))
  .map(([type, payload]) => encodeEnvelope({ kind: Kind.EVENT, type }, Buffer.from(payload)));

const frame = encodeEnvelope({ kind: Kind.EVENT, type: "news" }, Buffer.from('{"a":1}'));

describe("cluster envelope", () => {
  test.prop([instanceId, target, eventFrame], { numRuns: 300 })(
    "decodes what it encodes, and carries the frame bytes unchanged",
    (origin, to, bytes) => {
      const decoded = decodeClusterMessage(encodeClusterMessage(origin, to, bytes));
      expect(decoded.origin).toBe(origin);
      expect(decoded.target).toEqual(to);
      expect(decoded.frame.equals(bytes)).toBe(true);
    },
  );

  test("the documented layout, byte by byte", () => {
    const message = encodeClusterMessage("n1", { kind: "room", room: "é", except: "n1.7" }, frame);
    // biome-ignore format: one line per field
    expect([...message.subarray(0, 14)]).toEqual([
      CLUSTER_ENVELOPE_VERSION, 2, // version, kind room
      2, 0x6e, 0x31, // origin "n1"
      0, 2, 0xc3, 0xa9, // room "é" (UTF-8)
      4, 0x6e, 0x31, 0x2e, 0x37, // except "n1.7"
    ]);
    expect(message.subarray(14).equals(frame)).toBe(true);
  });

  test.prop([fc.uint8Array({ maxLength: 300 })], { numRuns: 500 })(
    "random bytes decode or fail with ERR_ADAPTER, nothing else",
    (bytes) => {
      try {
        decodeClusterMessage(Buffer.from(bytes));
      } catch (error) {
        expect(error).toMatchObject({ code: ErrorCode.ADAPTER, details: { operation: "message" } });
      }
    },
  );

  test.each([
    ["another version", (m: Buffer) => m.writeUInt8(9, 0)],
    ["an unknown target kind", (m: Buffer) => m.writeUInt8(7, 1)],
    ["an empty origin", (m: Buffer) => m.writeUInt8(0, 2)],
  ])("refuses %s", (_, mutate) => {
    const message = encodeClusterMessage("n1", { kind: "all" }, frame);
    mutate(message);
    expect(() => decodeClusterMessage(message)).toThrow(
      expect.objectContaining({ code: ErrorCode.ADAPTER }),
    );
  });

  test("refuses a truncated or inconsistent frame, a non-event frame and a bad room name", () => {
    const ok = encodeClusterMessage("n1", { kind: "all" }, frame);
    const bad = [
      ok.subarray(0, ok.length - 1),
      ok.subarray(0, 6),
      encodeClusterMessage(
        "n1",
        { kind: "all" },
        encodeEnvelope({ kind: Kind.PING }, Buffer.alloc(0)),
      ),
      Buffer.concat([Buffer.from([1, 2, 2, 0x6e, 0x31, 0, 1, 0xff, 0]), frame]),
      Buffer.concat([Buffer.from([1, 2, 2, 0x6e, 0x31, 0, 0, 0]), frame]),
      Buffer.concat([Buffer.from([1, 1, 2, 0x6e, 0x20, 0]), frame]),
    ];
    for (const message of bad) {
      expect(() => decodeClusterMessage(message)).toThrow(
        expect.objectContaining({ code: ErrorCode.ADAPTER }),
      );
    }
  });
});
