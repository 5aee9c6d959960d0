import { ErrorCode } from "@sockwire/protocol";
import { describe, expect, test } from "vitest";
import { EventStream } from "../src/event-stream.js";

function source() {
  let listener: ((value: number) => void) | undefined;
  let unsubscribed = 0;
  return {
    subscribe: (push: (value: number) => void) => {
      listener = push;
      return () => {
        listener = undefined;
        unsubscribed++;
      };
    },
    emit: (value: number) => listener?.(value),
    get listening() {
      return listener !== undefined;
    },
    get unsubscribed() {
      return unsubscribed;
    },
  };
}

describe("EventStream", () => {
  test("yields buffered events in order, then a waiting consumer gets the next one directly", async () => {
    const src = source();
    const stream = new EventStream<number>(src.subscribe);
    src.emit(1);
    src.emit(2);
    expect(await stream.next()).toEqual({ value: 1, done: false });
    expect(await stream.next()).toEqual({ value: 2, done: false });
    const pending = stream.next();
    src.emit(3);
    expect(await pending).toEqual({ value: 3, done: false });
  });

  test("a full buffer ends the stream with ERR_EVENT_BUFFER_FULL after yielding what it holds", async () => {
    const src = source();
    const stream = new EventStream<number>(src.subscribe, { bufferSize: 3 });
    for (let i = 0; i < 5; i++) src.emit(i);
    expect(src.listening).toBe(false);
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const v of stream) got.push(v);
      })(),
    ).rejects.toMatchObject({ code: ErrorCode.EVENT_BUFFER_FULL });
    expect(got).toEqual([0, 1, 2]);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  test("abort ends the loop normally and unsubscribes", async () => {
    const src = source();
    const controller = new AbortController();
    const stream = new EventStream<number>(src.subscribe, { signal: controller.signal });
    const got: number[] = [];
    const loop = (async () => {
      for await (const v of stream) {
        got.push(v);
        if (v === 2) controller.abort();
      }
    })();
    for (let i = 1; i <= 4; i++) {
      src.emit(i);
      await Promise.resolve();
    }
    await loop;
    expect(got).toEqual([1, 2]);
    expect(src.unsubscribed).toBe(1);
  });

  test("an already-aborted signal gives an empty stream", async () => {
    const src = source();
    const stream = new EventStream<number>(src.subscribe, { signal: AbortSignal.abort() });
    expect(stream.ended).toBe(true);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(src.listening).toBe(false);
  });

  test("break in for-await removes the listener", async () => {
    const src = source();
    const stream = new EventStream<number>(src.subscribe);
    src.emit(1);
    src.emit(2);
    for await (const v of stream) {
      expect(v).toBe(1);
      break;
    }
    expect(src.unsubscribed).toBe(1);
    expect(stream.buffered).toBe(0);
  });

  test("end() resolves waiting consumers with done", async () => {
    const src = source();
    const stream = new EventStream<number>(src.subscribe);
    const a = stream.next();
    const b = stream.next();
    stream.end();
    expect(await a).toEqual({ value: undefined, done: true });
    expect(await b).toEqual({ value: undefined, done: true });
  });

  test("bufferSize must be a positive integer", () => {
    expect(() => new EventStream<number>(source().subscribe, { bufferSize: 0 })).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
  });
});
