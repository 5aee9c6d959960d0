import { defineContract } from "@sockwire/protocol";
import { z } from "zod";

/** The contract most server tests speak. */
export const testContract = defineContract({
  name: "server-test",
  client: {
    events: {
      say: z.object({ text: z.string() }),
      note: z.object({ n: z.number() }),
      unhandled: z.object({}),
      bag: z.record(z.string(), z.unknown()),
    },
    requests: {
      echo: { input: z.object({ text: z.string() }), output: z.object({ text: z.string() }) },
      size: { input: z.object({ data: z.string() }), output: z.object({ length: z.number() }) },
      strict: {
        input: z.strictObject({ n: z.number().int() }),
        output: z.object({ n: z.number() }),
      },
      sleep: { input: z.object({ ms: z.number() }), output: z.object({ done: z.boolean() }) },
      fail: {
        input: z.object({ how: z.enum(["app", "internal", "output"]) }),
        output: z.object({ ok: z.boolean() }),
      },
      hang: { input: z.object({}), output: z.object({ aborted: z.string() }) },
      missing: { input: z.object({}), output: z.object({}) },
      bag: {
        input: z.record(z.string(), z.unknown()),
        output: z.object({ keys: z.array(z.string()) }),
      },
    },
  },
  server: {
    events: {
      notice: z.object({ text: z.string() }),
      blob: z.object({ data: z.string() }),
    },
    requests: {
      confirm: { input: z.object({ q: z.string() }), output: z.object({ yes: z.boolean() }) },
    },
  },
});
export type TestContract = typeof testContract;

/** A contract whose hello must carry credentials. */
export const authContract = defineContract({
  name: "server-auth-test",
  credentials: z.object({ token: z.string().min(1) }),
  client: { requests: { whoami: { input: z.object({}), output: z.object({ user: z.string() }) } } },
  server: {},
});
