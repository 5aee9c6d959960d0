import { describe, expect, test } from "vitest";
import { ErrorCode, FrameDecoder, MAX_FRAME_BYTES_LIMIT, SockwireError } from "../src/index.js";
import {
  isPlainPeerTlsError,
  isTlsRecordFrameError,
  isTlsRecordLength,
  tlsMismatch,
} from "../src/internal.js";

/** The first bytes of a TLS record: content type, version, length. */
const record = (type: number, major: number, minor: number) =>
  Buffer.from([type, major, minor, 0x01, 0x2c, 0x01, 0x00, 0x01, 0x28]);

describe("isTlsRecordLength", () => {
  test("handshake and alert records of SSL 3.0 to TLS 1.3 are recognised", () => {
    for (const type of [0x16, 0x15]) {
      for (let minor = 0; minor <= 4; minor++) {
        expect(isTlsRecordLength(record(type, 3, minor).readUInt32BE(0)), `${type}/${minor}`).toBe(
          true,
        );
      }
    }
  });

  test("sockwire lengths and other record types are not", () => {
    for (const length of [0, 1, 0x120, 1024 * 1024, MAX_FRAME_BYTES_LIMIT, 0xffffffff]) {
      expect(isTlsRecordLength(length), String(length)).toBe(false);
    }
    expect(isTlsRecordLength(record(0x17, 3, 3).readUInt32BE(0))).toBe(false); // application data
    expect(isTlsRecordLength(record(0x16, 3, 5).readUInt32BE(0))).toBe(false);
    expect(isTlsRecordLength(record(0x16, 2, 0).readUInt32BE(0))).toBe(false);
  });
});

describe("isTlsRecordFrameError", () => {
  test("a ClientHello read as a frame fails the decoder at its first four bytes, even at the largest limit", () => {
    const decoder = new FrameDecoder({ maxFrameBytes: MAX_FRAME_BYTES_LIMIT });
    // One byte at a time: the decision needs the four bytes of the length prefix, nothing more.
    for (const byte of record(0x16, 3, 1).subarray(0, 4)) {
      expect(decoder.error).toBeUndefined();
      decoder.push(Buffer.from([byte]));
      expect(decoder.next()).toBeUndefined();
    }
    expect(decoder.error).toMatchObject({ code: ErrorCode.FRAME_TOO_LARGE });
    expect(isTlsRecordFrameError(decoder.error)).toBe(true);
  });

  test("an ordinary oversized frame, another code or a foreign value is not a TLS record", () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 16 });
    decoder.push(Buffer.from([0, 0, 1, 0]));
    decoder.next();
    expect(decoder.error).toMatchObject({ code: ErrorCode.FRAME_TOO_LARGE });
    expect(isTlsRecordFrameError(decoder.error)).toBe(false);
    const other = new SockwireError(ErrorCode.FRAME_MALFORMED, "x", {
      details: { length: 0x16030100 },
    });
    for (const value of [other, { code: ErrorCode.FRAME_TOO_LARGE }, undefined, "x"]) {
      expect(isTlsRecordFrameError(value)).toBe(false);
    }
  });
});

describe("isPlainPeerTlsError", () => {
  test("OpenSSL's not-TLS-at-all failures count; handshake failures between TLS peers do not", () => {
    const withCode = (code: string) => Object.assign(new Error("x"), { code });
    for (const code of ["ERR_SSL_WRONG_VERSION_NUMBER", "ERR_SSL_PACKET_LENGTH_TOO_LONG"]) {
      expect(isPlainPeerTlsError(withCode(code)), code).toBe(true);
    }
    for (const code of [
      "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA",
      "DEPTH_ZERO_SELF_SIGNED_CERT",
      "ECONNRESET",
      "ERR_TLS_HANDSHAKE_TIMEOUT",
    ]) {
      expect(isPlainPeerTlsError(withCode(code)), code).toBe(false);
    }
    expect(isPlainPeerTlsError(null)).toBe(false);
    expect(isPlainPeerTlsError(new Error("wrong version number"))).toBe(false);
  });
});

describe("tlsMismatch", () => {
  test("carries the code, what the other end speaks, the cause and extra details", () => {
    const cause = new Error("x");
    const error = tlsMismatch("plain", "m", cause, { remotePort: 1 });
    expect(error).toMatchObject({
      code: ErrorCode.TLS_MISMATCH,
      cause,
      details: { expected: "plain", remotePort: 1 },
    });
    expect(tlsMismatch("tls", "m")).not.toHaveProperty("cause");
  });
});
