import { defineContract } from "@sockwire/protocol";
import { z } from "zod";

/** The contract the client tests speak. */
export const testContract = defineContract({
  name: "client-test",
  client: {
    events: {
      /** A bare number: with the name "m", a 4-digit value makes a 16-byte frame. */
      m: z.number(),
      seq: z.object({ n: z.number().int() }),
      say: z.object({ text: z.string() }),
      blob: z.string(),
    },
    requests: {
      echo: { input: z.object({ text: z.string() }), output: z.object({ text: z.string() }) },
      sleep: {
        input: z.object({ ms: z.number().int().min(0), tag: z.number().int().optional() }),
        output: z.object({ tag: z.number().int().optional() }),
      },
      hang: { input: z.object({}), output: z.object({}) },
      count: { input: z.object({}), output: z.object({ n: z.number().int() }) },
    },
  },
  server: {
    events: {
      tick: z.object({ n: z.number().int() }),
      greeting: z.object({ text: z.string() }),
    },
    requests: {
      double: { input: z.number(), output: z.number() },
      whoami: { input: z.object({}), output: z.object({ name: z.string() }) },
    },
  },
});

/** The same messages plus credentials, for authentication tests. */
export const authContract = defineContract({
  name: "client-test-auth",
  credentials: z.object({ token: z.string().min(1) }),
  client: {
    requests: {
      echo: { input: z.object({ text: z.string() }), output: z.object({ text: z.string() }) },
    },
  },
});

/**
 * A contract under another name than {@link testContract}: refused in the handshake (another
 * version of the same contract connects, see contract-evolution.integration.test.ts).
 */
export const driftedContract = defineContract({
  name: "client-test-other",
  client: { events: { m: z.string() } },
});

export type TestContract = typeof testContract;
