import { readFileSync } from "node:fs";
import { ALL_ERROR_CODES, ErrorCode } from "@sockwire/protocol";
import { describe, expect, test } from "vitest";
import { resolveOptions } from "../src/options.js";
import { testContract } from "./support/contract.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const example = readFileSync(new URL("../examples/chat.ts", import.meta.url), "utf8");
const upgrade = readFileSync(new URL("../examples/rolling-upgrade.ts", import.meta.url), "utf8");
const resume = readFileSync(new URL("../examples/resume.ts", import.meta.url), "utf8");

/** Every code this package can hand to a caller, an `onError` listener or a status event. */
const SURFACED: string[] = [
  ErrorCode.INVALID_ARGUMENT,
  ErrorCode.CONNECT_FAILED,
  ErrorCode.CONNECT_TIMEOUT,
  ErrorCode.TLS_MISMATCH,
  ErrorCode.HANDSHAKE_REJECTED,
  ErrorCode.HANDSHAKE_TIMEOUT,
  ErrorCode.CONTRACT_MISMATCH,
  ErrorCode.UNSUPPORTED_VERSION,
  ErrorCode.UNSUPPORTED_CODEC,
  ErrorCode.VALIDATION_FAILED,
  ErrorCode.UNKNOWN_MESSAGE_TYPE,
  ErrorCode.PAYLOAD_INVALID,
  ErrorCode.PAYLOAD_TOO_DEEP,
  ErrorCode.PEER_FRAME_LIMIT,
  ErrorCode.OUTBOUND_BUFFER_FULL,
  ErrorCode.NOT_CONNECTED,
  ErrorCode.CONNECTION_CLOSED,
  ErrorCode.CONNECTION_LOST,
  ErrorCode.MESSAGE_EXPIRED,
  ErrorCode.REQUEST_TIMEOUT,
  ErrorCode.REQUEST_CANCELLED,
  ErrorCode.REMOTE_ERROR,
  ErrorCode.HANDLER_FAILED,
  ErrorCode.EVENT_BUFFER_FULL,
  ErrorCode.MESSAGE_DISABLED,
  ErrorCode.CONTRACT_DIFFERS,
  ErrorCode.SESSION_EXPIRED,
  ErrorCode.NOT_RESUMABLE,
  ErrorCode.REFLECTION_DISABLED,
];

describe("README", () => {
  test("the example shown is exactly examples/chat.ts", () => {
    const block = /## Example[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBe(example);
  });

  test("the rolling-upgrade example shown is exactly examples/rolling-upgrade.ts", () => {
    const block = /## Rolling upgrades[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBe(upgrade);
  });

  test("the resumable-sessions example shown is exactly examples/resume.ts", () => {
    const block = /## Resumable sessions[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBe(resume);
  });

  test("the errors table has a row for every code the client surfaces", () => {
    const rows = new Set([...readme.matchAll(/^\| `(ERR_[A-Z_]+)` \|/gm)].map((m) => m[1]));
    for (const code of SURFACED) expect(rows.has(code), `${code} has no row`).toBe(true);
  });

  test("every ERR_ code the README mentions exists", () => {
    const known = new Set<string>(ALL_ERROR_CODES);
    for (const [code] of readme.matchAll(/ERR_[A-Z_]+/g))
      expect(known.has(code), `${code} is not a code`).toBe(true);
  });

  test("the options table lists every option with its default", () => {
    const rows = new Set([...readme.matchAll(/^\| `([a-zA-Z.]+)` \|/gm)].map((m) => m[1]));
    const resolved = resolveOptions(testContract, { port: 1 });
    const names = [
      ...Object.keys(resolved).filter((k) => k !== "reconnect" && k !== "offlineQueue"),
      "reconnect",
      "maxDepth",
      ...Object.keys(resolved.reconnect || {}).map((k) => `reconnect.${k}`),
      ...Object.keys(resolved.offlineQueue).map((k) => `offlineQueue.${k}`),
    ];
    for (const name of names) expect(rows.has(name), `option ${name} has no row`).toBe(true);
  });
});
