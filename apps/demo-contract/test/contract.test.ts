import { describe, expect, test } from "vitest";
import {
  DEFAULT_HOST,
  DEFAULT_PORT,
  demoContract,
  GREETING_TEXT,
  MAX_TEXT_LENGTH,
} from "../src/index.js";

describe("demoContract", () => {
  test("declares the article's two messages", () => {
    expect(demoContract.name).toBe("sockwire-demo");
    expect([...demoContract.client.events.keys()]).toEqual(["message"]);
    expect([...demoContract.server.events.keys()]).toEqual(["greeting"]);
    expect(demoContract.fingerprint).toMatch(/^[0-9a-f]{32}$/);
  });

  test("bounds the text and requires it", () => {
    const message = demoContract.client.events.get("message");
    expect(message?.safeParse({ text: "x".repeat(MAX_TEXT_LENGTH) }).success).toBe(true);
    expect(message?.safeParse({ text: "x".repeat(MAX_TEXT_LENGTH + 1) }).success).toBe(false);
    expect(message?.safeParse({}).success).toBe(false);
    expect(
      demoContract.server.events.get("greeting")?.safeParse({ text: GREETING_TEXT }).success,
    ).toBe(true);
  });

  test("uses the article's address", () => {
    expect(`${DEFAULT_HOST}:${DEFAULT_PORT}`).toBe("127.0.0.1:18888");
  });
});
