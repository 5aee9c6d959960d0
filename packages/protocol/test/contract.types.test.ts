// Type tests: `tsc` (the package's typecheck) checks every expectTypeOf and every
// `@ts-expect-error` below; an expected error that disappears fails the typecheck too.

import { describe, expectTypeOf, test } from "vitest";
import { z } from "zod";
import {
  type CredentialsData,
  type CredentialsInput,
  decodeEvent,
  decodeRequest,
  decodeResponse,
  defineContract,
  type Envelope,
  type EventData,
  type EventInput,
  type EventName,
  encodeEvent,
  encodeRequest,
  encodeResponse,
  type NameArg,
  type NameKey,
  type RequestInput,
  type RequestName,
  type RequestParams,
  type ResponseData,
  type ResponseInput,
} from "../src/index.js";
import { chat } from "./fixtures/chat.js";

type Chat = typeof chat;
declare const envelope: Envelope;

describe("contract types", () => {
  test("names per sending side", () => {
    expectTypeOf<EventName<Chat, "client">>().toEqualTypeOf<"say" | "typing" | "bye">();
    expectTypeOf<EventName<Chat, "server">>().toEqualTypeOf<"greeting">();
    expectTypeOf<RequestName<Chat, "client">>().toEqualTypeOf<"join" | "tags">();
    expectTypeOf<RequestName<Chat, "server">>().toEqualTypeOf<"whoami">();
  });

  test("a name parameter: a declared name stays itself, any other is checked against all of them", () => {
    type Names = EventName<Chat, "client">;
    expectTypeOf<NameArg<"say", Names>>().toEqualTypeOf<"say">();
    expectTypeOf<NameArg<"say" | "bye", Names>>().toEqualTypeOf<"say" | "bye">();
    expectTypeOf<NameArg<"sya", Names>>().toEqualTypeOf<Names>();
    expectTypeOf<NameArg<string, Names>>().toEqualTypeOf<Names>();
    expectTypeOf<NameKey<"say", Names>>().toEqualTypeOf<"say">();
    // After a misspelt name its payload types are `any`, so only the name is reported.
    expectTypeOf<NameKey<"sya", Names>>().toBeAny();
    expectTypeOf<EventInput<Chat, "client", NameKey<"sya", Names>>>().toBeAny();
    expectTypeOf<
      RequestParams<Chat, "client", NameKey<"jion", RequestName<Chat, "client">>>
    >().toBeAny();
    expectTypeOf<
      ResponseData<Chat, "client", NameKey<"jion", RequestName<Chat, "client">>>
    >().toBeAny();
  });

  test("input and output types follow the schemas (defaults make input optional)", () => {
    expectTypeOf<EventInput<Chat, "client", "say">>().toEqualTypeOf<{
      text: string;
      seq: number;
    }>();
    expectTypeOf<EventInput<Chat, "client", "typing">>().toEqualTypeOf<{
      on?: boolean | undefined;
    }>();
    expectTypeOf<EventData<Chat, "client", "typing">>().toEqualTypeOf<{ on: boolean }>();
    expectTypeOf<RequestInput<Chat, "client", "join">>().toEqualTypeOf<{ room: string }>();
    expectTypeOf<RequestParams<Chat, "client", "tags">>().toEqualTypeOf<Record<string, string>>();
    expectTypeOf<ResponseInput<Chat, "client", "join">>().toEqualTypeOf<{ members: number }>();
    expectTypeOf<ResponseData<Chat, "server", "whoami">>().toEqualTypeOf<{ id: string }>();
  });

  test("credentials", () => {
    expectTypeOf<CredentialsInput<Chat>>().toEqualTypeOf<{ token: string }>();
    expectTypeOf<CredentialsData<Chat>>().toEqualTypeOf<{ token: string }>();
    const open = defineContract({ name: "open", client: { events: { a: z.string() } } });
    expectTypeOf<CredentialsInput<typeof open>>().toEqualTypeOf<undefined>();
    expectTypeOf<EventName<typeof open, "server">>().toEqualTypeOf<never>();
  });

  // The calls below are only type-checked: they are wrapped in functions that never run, since
  // the erroneous ones would throw at run time and the envelope is only declared.
  test("encoders accept exactly the declared names and shapes", () => {
    expectTypeOf(encoderCalls).toBeFunction();
  });

  function encoderCalls(): void {
    encodeEvent(chat, "client", "say", { text: "hi", seq: 1 });
    encodeEvent(chat, "client", "typing", {});
    encodeEvent(chat, "server", "greeting", { text: "hello" });
    encodeRequest(chat, "client", 1, "join", { room: "lobby" });
    encodeResponse(chat, "client", 1, "join", { members: 2 });

    // @ts-expect-error a typo in the event name
    encodeEvent(chat, "client", "sya", { text: "hi", seq: 1 });
    // @ts-expect-error a field of the wrong type
    encodeEvent(chat, "client", "say", { text: 1, seq: 1 });
    // @ts-expect-error a missing field
    encodeEvent(chat, "client", "say", { text: "hi" });
    // @ts-expect-error the client cannot send the server's event
    encodeEvent(chat, "client", "greeting", { text: "hello" });
    // @ts-expect-error a typo in the request name
    encodeRequest(chat, "client", 1, "jion", { room: "lobby" });
    // @ts-expect-error wrong request input
    encodeRequest(chat, "client", 1, "join", { room: 5 });
    // @ts-expect-error wrong response shape
    encodeResponse(chat, "client", 1, "join", { members: "2" });
    // @ts-expect-error not a side
    encodeEvent(chat, "browser", "say", { text: "hi", seq: 1 });
  }

  test("decoders return unions that narrow by name", () => {
    expectTypeOf(decoderCalls).toBeFunction();
  });

  function decoderCalls(): void {
    const event = decodeEvent(chat, "client", envelope);
    expectTypeOf(event.name).toEqualTypeOf<"say" | "typing" | "bye">();
    if (event.name === "say")
      expectTypeOf(event.data).toEqualTypeOf<{ text: string; seq: number }>();
    if (event.name === "typing") expectTypeOf(event.data).toEqualTypeOf<{ on: boolean }>();
    if (event.name === "bye") expectTypeOf(event.data).toEqualTypeOf<undefined>();

    const request = decodeRequest(chat, "client", envelope);
    if (request.name === "join") {
      expectTypeOf(request.params).toEqualTypeOf<{ room: string }>();
      expectTypeOf(request.id).toEqualTypeOf<number>();
    }
    expectTypeOf(decodeResponse(chat, "client", "join", envelope)).toEqualTypeOf<{
      members: number;
    }>();

    // @ts-expect-error not a request of this side
    decodeResponse(chat, "client", "whoami", envelope);
    const greeting = decodeEvent(chat, "server", envelope);
    // @ts-expect-error the server sends no "say" event, so narrowing to it is an error
    if (greeting.name === "say") greeting.data;
  }
});
