import { ErrorCode, type SockwireError } from "@sockwire/protocol";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { OfflineQueue, type QueueItem } from "../src/offline-queue.js";

class Item implements QueueItem {
  expired = 0;
  failed: SockwireError[] = [];
  constructor(
    readonly id: number,
    readonly bytes: number,
  ) {}
  expire(): void {
    this.expired++;
  }
  fail(error: SockwireError): void {
    this.failed.push(error);
  }
}

describe("OfflineQueue", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test("delivers items once, in the order they were offered", () => {
    const queue = new OfflineQueue<Item>({ maxBytes: 1000, maxMessages: 100 });
    for (let i = 0; i < 10; i++) expect(queue.offer(new Item(i, 10))).toBeUndefined();
    const out: number[] = [];
    for (let item = queue.shift(); item; item = queue.shift()) out.push(item.id);
    expect(out).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(queue.shift()).toBeUndefined();
    expect(queue.size).toBe(0);
    expect(queue.bytes).toBe(0);
  });

  test("a 32-byte cap takes exactly two 16-byte items", () => {
    const queue = new OfflineQueue<Item>({ maxBytes: 32, maxMessages: 100 });
    expect(queue.offer(new Item(1, 16))).toBeUndefined();
    expect(queue.offer(new Item(2, 16))).toBeUndefined();
    const refused = queue.offer(new Item(3, 16));
    expect(refused?.code).toBe(ErrorCode.OUTBOUND_BUFFER_FULL);
    expect(refused?.details).toMatchObject({ queuedBytes: 32, itemBytes: 16, maxBytes: 32 });
    expect(queue.bytes).toBe(32);
    expect(queue.size).toBe(2);
  });

  test("the message cap applies independently of bytes", () => {
    const queue = new OfflineQueue<Item>({ maxBytes: 1 << 20, maxMessages: 3 });
    for (let i = 0; i < 3; i++) expect(queue.offer(new Item(i, 1))).toBeUndefined();
    expect(queue.offer(new Item(9, 1))?.code).toBe(ErrorCode.OUTBOUND_BUFFER_FULL);
  });

  test("an item bigger than the whole cap is refused and nothing is held", () => {
    const queue = new OfflineQueue<Item>({ maxBytes: 100, maxMessages: 10 });
    expect(queue.offer(new Item(1, 101))?.code).toBe(ErrorCode.OUTBOUND_BUFFER_FULL);
    expect(queue.size).toBe(0);
  });

  test("an item expires at its own time, leaves the queue and frees its bytes", () => {
    const queue = new OfflineQueue<Item>({ maxBytes: 100, maxMessages: 10 });
    const a = new Item(1, 10);
    const b = new Item(2, 10);
    const c = new Item(3, 10);
    queue.offer(a);
    queue.offer(b, 100);
    queue.offer(c, 300);
    vi.advanceTimersByTime(99);
    expect(b.expired).toBe(0);
    vi.advanceTimersByTime(1);
    expect(b.expired).toBe(1);
    expect(queue.size).toBe(2);
    expect(queue.bytes).toBe(20);
    vi.advanceTimersByTime(200);
    expect(c.expired).toBe(1);
    expect(queue.shift()).toBe(a);
    expect(queue.shift()).toBeUndefined();
    expect(a.expired).toBe(0);
  });

  test("a shifted item never expires afterwards (its timer is cleared)", () => {
    const queue = new OfflineQueue<Item>({ maxBytes: 100, maxMessages: 10 });
    const a = new Item(1, 10);
    queue.offer(a, 50);
    expect(queue.shift()).toBe(a);
    vi.advanceTimersByTime(1000);
    expect(a.expired).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  test("remove() takes an item out of the middle", () => {
    const queue = new OfflineQueue<Item>({ maxBytes: 100, maxMessages: 10 });
    const items = [1, 2, 3].map((i) => new Item(i, 5));
    for (const item of items) queue.offer(item, 1000);
    expect(queue.remove(items[1] as Item)).toBe(true);
    expect(queue.remove(items[1] as Item)).toBe(false);
    expect(queue.bytes).toBe(10);
    expect(queue.shift()?.id).toBe(1);
    expect(queue.shift()?.id).toBe(3);
    expect(vi.getTimerCount()).toBe(0);
  });

  test("failAll() fails every item in order and clears timers", () => {
    const queue = new OfflineQueue<Item>({ maxBytes: 100, maxMessages: 10 });
    const items = [1, 2, 3].map((i) => new Item(i, 5));
    for (const item of items) queue.offer(item, 1000);
    const order: number[] = [];
    const error = { code: ErrorCode.CONNECTION_CLOSED } as SockwireError;
    for (const item of items) item.fail = () => order.push(item.id);
    queue.failAll(error);
    expect(order).toEqual([1, 2, 3]);
    expect(queue.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  test("a full queue takes new items again once one leaves", () => {
    const queue = new OfflineQueue<Item>({ maxBytes: 20, maxMessages: 10 });
    queue.offer(new Item(1, 10));
    queue.offer(new Item(2, 10), 10);
    expect(queue.offer(new Item(3, 10))).toBeDefined();
    vi.advanceTimersByTime(10);
    expect(queue.offer(new Item(3, 10))).toBeUndefined();
  });
});
