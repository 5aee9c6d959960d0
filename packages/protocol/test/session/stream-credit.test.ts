import { fc, test as fcTest } from "@fast-check/vitest";
import { describe, expect, test } from "vitest";
import { ConsumerWindow, ProducerCredit } from "../../src/session/streams/credit.js";

// The credit of one stream direction (PROTOCOL.md 8.7) against a plain model: a producer that
// follows the rule (send while it has an item of credit and its byte credit is above zero) is
// never refused, and whatever the items' sizes the consumer never holds more than the byte
// window plus one item; a producer that breaks the rule is refused.

const limits = { streamWindow: 8, streamBufferBytes: 1000 };

describe("ConsumerWindow and ProducerCredit", () => {
  test("the whole window at the start; nothing more until half of it is read", () => {
    const window = new ConsumerWindow(limits);
    expect(window.grant()).toEqual({ items: 8, bytes: 1000 });
    expect(window.arrived(600)).toBe(true);
    expect(window.grant()).toBeUndefined();
    window.taken(600);
    // 600 of 1000 bytes read: the bytes are topped up (and the items with them).
    expect(window.grant()).toEqual({ items: 1, bytes: 600 });
  });

  test("an item after the byte credit ran out is refused, even with items left", () => {
    const window = new ConsumerWindow(limits);
    window.grant();
    expect(window.arrived(999)).toBe(true);
    // One byte of credit was left: this item may overshoot it.
    expect(window.arrived(5000)).toBe(true);
    expect(window.arrived(1)).toBe(false);
  });

  test("the producer waits for credit and is charged what it sent", async () => {
    const credit = new ProducerCredit();
    const waited = credit.take();
    expect(waited).toBeInstanceOf(Promise);
    credit.add({ items: 2, bytes: 10 });
    expect(await waited).toBe(true);
    credit.spent(12);
    // An item is left but the bytes are below zero: wait.
    const next = credit.take();
    expect(next).toBeInstanceOf(Promise);
    credit.close();
    expect(await next).toBe(false);
  });

  fcTest.prop(
    [
      fc.array(
        fc.oneof(
          fc.record({ send: fc.integer({ min: 0, max: 5000 }) }),
          fc.constant({ read: true as const }),
        ),
        { maxLength: 200 },
      ),
    ],
    { numRuns: 300 },
  )(
    "a producer within its credit is never refused, and the consumer holds at most the window plus one item",
    (steps) => {
      const window = new ConsumerWindow(limits);
      const producer = new ProducerCredit();
      const unread: number[] = [];
      let largest = 0;
      const grant = () => {
        const g = window.grant();
        if (g !== undefined) producer.add(g);
      };
      grant();
      for (const step of steps) {
        if ("send" in step) {
          if (producer.take() !== true) continue; // the producer would wait here
          producer.spent(step.send);
          expect(window.arrived(step.send)).toBe(true);
          unread.push(step.send);
          largest = Math.max(largest, step.send);
        } else if (unread.length > 0) {
          window.taken(unread.shift() as number);
          grant();
        }
        const held = unread.reduce((a, b) => a + b, 0);
        expect(held).toBeLessThanOrEqual(limits.streamBufferBytes + largest);
        expect(unread.length).toBeLessThanOrEqual(limits.streamWindow);
      }
    },
  );
});
