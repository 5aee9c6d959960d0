// Type tests: `tsc` (the package's typecheck) checks every expectTypeOf and every
// `@ts-expect-error` below. The methods that take a message name infer it as written and check
// it against the contract's names (NameArg), so a misspelt name is one error that lists the valid
// ones (misspelt-names.test.ts holds the message itself); here, the rest must type as before.

import type {
  EventData,
  EventInput,
  EventName,
  RequestInput,
  RequestName,
  ResponseData,
} from "@sockwire/protocol";
import {
  createServer,
  type EventHandler,
  type RequestHandler,
  type ServerConnection,
  type SockwireServer,
} from "@sockwire/server";
import { describe, expectTypeOf, test } from "vitest";
import type { SockwireClient } from "../src/index.js";
import { testContract } from "./support/contract.js";

type T = typeof testContract;
declare const client: SockwireClient<T>;
declare const server: SockwireServer<T>;
declare const conn: ServerConnection<T>;

describe("message names in client and server signatures", () => {
  // The calls below are only type-checked, in functions that never run.
  test("a declared name gives its own payload, handler and result types", () => {
    expectTypeOf(declaredNames).toBeFunction();
  });

  async function declaredNames(): Promise<void> {
    expectTypeOf(client.request("echo", { text: "hi" })).resolves.toEqualTypeOf<{
      text: string;
    }>();
    expectTypeOf(client.emit).parameter(0).toEqualTypeOf<"m" | "seq" | "say" | "blob">();
    client.on("tick", (data) => expectTypeOf(data).toEqualTypeOf<{ n: number }>());
    client.handle("double", (n) => {
      expectTypeOf(n).toEqualTypeOf<number>();
      return n * 2;
    });
    for await (const g of client.events("greeting"))
      expectTypeOf(g).toEqualTypeOf<{ text: string }>();
    server.handle("echo", (input, c) => {
      expectTypeOf(input).toEqualTypeOf<{ text: string }>();
      expectTypeOf(c).toEqualTypeOf<ServerConnection<T, undefined>>();
      return input;
    });
    server.on("seq", ({ n }) => {
      expectTypeOf(n).toEqualTypeOf<number>();
    });
    expectTypeOf(conn.request("whoami", {})).resolves.toEqualTypeOf<{ name: string }>();
    server.broadcast("tick", { n: 1 });
    server.to("room").emit("greeting", { text: "hi" });
    server.emitTo("id", "tick", { n: 1 });

    // @ts-expect-error a misspelt name
    await client.request("ecoh", { text: "hi" });
    // @ts-expect-error the wrong payload for a declared name
    await client.request("echo", { txt: "hi" });
    // @ts-expect-error a handler returning the wrong shape
    server.handle("echo", () => ({ txt: "hi" }));
    // @ts-expect-error the client cannot send the server's events
    await client.emit("tick", { n: 1 });
    // @ts-expect-error a name of type string is not known to be declared
    await client.emit(String("say"), { text: "hi" });
  }

  test("a name the caller holds as a union, a variable or a type parameter", () => {
    expectTypeOf(generic).toBeFunction();
  });

  async function generic(name: RequestName<T, "client">, which: "echo" | "count"): Promise<void> {
    await client.request(name, { text: "hi", ms: 1 } as never);
    expectTypeOf(client.request(which, { text: "hi" })).resolves.toEqualTypeOf<
      { text: string } | { n: number }
    >();
    expectTypeOf(server.handle<"count">)
      .parameter(0)
      .toEqualTypeOf<"count">();
    const echo: RequestHandler<T, "echo"> = (input) => input;
    server.handle("echo", echo);
    const say: EventHandler<T, "say"> = ({ text }, c) => void c.emit("greeting", { text });
    server.on("say", say).off("say", say);
  }

  // Code that forwards a name it is given, typed with the protocol's helpers, still compiles.
  function forward<K extends RequestName<T, "client">>(
    name: K,
    input: RequestInput<T, "client", K>,
  ): Promise<ResponseData<T, "client", K>> {
    return client.request(name, input);
  }
  function listen<K extends EventName<T, "server">>(
    name: K,
    listener: (data: EventData<T, "server", K>) => void,
  ): void {
    client.on(name, listener).off(name, listener);
  }
  function send<K extends EventName<T, "server">>(name: K, data: EventInput<T, "server", K>): void {
    void conn.emit(name, data);
    server.broadcast(name, data);
  }
  function serve<K extends RequestName<T, "client">>(name: K, handler: RequestHandler<T, K>): void {
    createServer(testContract).handle(name, handler);
  }

  test("generic code that forwards a name", () => {
    expectTypeOf(forward<"echo">).returns.resolves.toEqualTypeOf<{ text: string }>();
    expectTypeOf(listen).toBeFunction();
    expectTypeOf(send).toBeFunction();
    expectTypeOf(serve).toBeFunction();
  });
});
