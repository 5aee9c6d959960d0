import { ErrorCode, type SockwireError } from "@sockwire/protocol";
import { describe, expect, test } from "vitest";
import { Listeners } from "../src/listeners.js";
import { until } from "./helpers/wait.js";

describe("Listeners", () => {
  test("calls every listener in order with the arguments; the returned function removes one", () => {
    const list = new Listeners<[string, number]>();
    const calls: string[] = [];
    const a = (s: string, n: number) => void calls.push(`a ${s} ${n}`);
    const removeA = list.add(a);
    list.add((s, n) => void calls.push(`b ${s} ${n}`));
    list.emit(() => undefined, "x", 1);
    removeA();
    removeA();
    list.emit(() => undefined, "y", 2);
    expect(calls).toEqual(["a x 1", "b x 1", "b y 2"]);
    expect(list.size).toBe(1);
  });

  test("the same function added twice runs twice and is removed once per unsubscribe", () => {
    const list = new Listeners<[]>();
    let count = 0;
    const fn = () => void count++;
    const first = list.add(fn);
    list.add(fn);
    list.emit(() => undefined);
    first();
    list.emit(() => undefined);
    expect(count).toBe(3);
  });

  test("a throwing or rejecting listener goes to onFailure and the others still run", async () => {
    const list = new Listeners<[]>();
    const failures: SockwireError[] = [];
    let after = 0;
    list.add(() => {
      throw new Error("sync");
    });
    list.add(() => Promise.reject(new Error("async")));
    list.add(() => void after++);
    list.emit((error) => failures.push(error));
    expect(after).toBe(1);
    await until(() => failures.length === 2, "both failures");
    expect(failures.map((e) => e.code)).toEqual([
      ErrorCode.HANDLER_FAILED,
      ErrorCode.HANDLER_FAILED,
    ]);
  });

  test("a listener added during emit waits for the next emit", () => {
    const list = new Listeners<[]>();
    let late = 0;
    list.add(() => void list.add(() => void late++));
    list.emit(() => undefined);
    expect(late).toBe(0);
    list.emit(() => undefined);
    expect(late).toBe(1);
  });

  test("anything but a function is refused with ERR_INVALID_ARGUMENT", () => {
    const list = new Listeners<[]>();
    expect(() => list.add("nope" as never)).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
  });
});
