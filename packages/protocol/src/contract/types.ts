import type { z } from "zod";

/** Schemas of one request: what the caller sends and what the handler answers. */
export interface RequestSchema<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
}

/**
 * Schemas of one stream (PROTOCOL.md 8.7), opened by the side that declares it: the opener sends
 * `input`; the responder answers with any number of `item`s (a server stream, or the way back of
 * a bidirectional one) and ends with a `result`; the opener may send `send` items of its own (a
 * client stream, or bidirectional). At least one of `item` and `send` is given.
 */
export interface StreamSchema<
  I extends z.ZodType = z.ZodType,
  It extends z.ZodType | undefined = z.ZodType | undefined,
  Se extends z.ZodType | undefined = z.ZodType | undefined,
  R extends z.ZodType | undefined = z.ZodType | undefined,
> {
  /** What the opener sends to open the stream. */
  input: I;
  /** Items the responder sends to the opener. */
  item?: It;
  /** Items the opener sends to the responder. */
  send?: Se;
  /** The value the responder ends the stream with; absent: none (`undefined`). */
  result?: R;
}

/** The messages one side may send: one-way events, request/response pairs and streams it opens. */
export interface DirectionSchema {
  events?: Record<string, z.ZodType>;
  requests?: Record<string, RequestSchema>;
  streams?: Record<string, StreamSchema>;
}

/** What {@link defineContract} takes. */
export interface ContractSchema {
  /** Contract name, checked in the handshake (1-64 chars of `[A-Za-z0-9_.-]`). */
  name: string;
  /** Schema of the hello's credentials, if the server authenticates. */
  credentials?: z.ZodType;
  /** Messages the client sends to the server. */
  client?: DirectionSchema;
  /** Messages the server sends to the client. */
  server?: DirectionSchema;
}

/** A side of the connection; in the type helpers it names the side that *sends* the message. */
export type Side = "client" | "server";

/** The other side. */
export type Opposite<S extends Side> = S extends "client" ? "server" : "client";

/** Lookup tables built once per contract, for routing without walking the schema object. */
export interface CompiledDirection {
  readonly events: ReadonlyMap<string, z.ZodType>;
  readonly requests: ReadonlyMap<string, RequestSchema>;
  readonly streams: ReadonlyMap<string, StreamSchema>;
}

/**
 * A defined contract: the schemas plus what both ends need at run time. Create it with
 * {@link defineContract}; share the same value (or the same module) between server and client.
 */
export interface Contract<D extends ContractSchema = ContractSchema> {
  readonly name: string;
  /** 32 hex chars: a hash of the canonical form of every schema; equal contracts share it. */
  readonly fingerprint: string;
  /** The schemas exactly as given (carries the static types). */
  readonly schema: D;
  /** Messages sent by the client, by name. */
  readonly client: CompiledDirection;
  /** Messages sent by the server, by name. */
  readonly server: CompiledDirection;
}

/** Any contract; what generic server and client code accepts. */
// biome-ignore lint/suspicious/noExplicitAny: the widest contract type has to accept every schema.
export type AnyContract = Contract<any>;

type DirectionOf<C extends AnyContract, S extends Side> = C["schema"][S] extends DirectionSchema
  ? C["schema"][S]
  : Record<never, never>;
type EventsOf<C extends AnyContract, S extends Side> =
  DirectionOf<C, S> extends { events: infer E extends Record<string, z.ZodType> }
    ? E
    : Record<never, never>;
type RequestAt<C extends AnyContract, S extends Side, K> = RequestSchemaAt<RequestsOf<C, S>, K>;
// The schema is inferred as a whole rather than as `RequestSchema<infer I, infer O>`: for an
// `any` name (what NameKey gives after a misspelt one) that would infer the bare ZodType, whose
// payloads are `unknown`; this way they are `any` too.
type RequestSchemaAt<R, K> = R[K & keyof R] extends infer X extends RequestSchema ? X : never;
type RequestsOf<C extends AnyContract, S extends Side> =
  DirectionOf<C, S> extends { requests: infer R extends Record<string, RequestSchema> }
    ? R
    : Record<never, never>;

// The names are an Extract rather than `keyof ... & string`: TypeScript then shows them, in
// errors and hovers, as the plain union of names (`"join" | "leave"`) instead of as this alias
// applied to the whole contract type.

/** Names of the events side `S` sends. */
export type EventName<C extends AnyContract, S extends Side> = Extract<
  keyof EventsOf<C, S>,
  string
>;
/** What the sender passes for event `K` (schema input type). */
export type EventInput<C extends AnyContract, S extends Side, K extends EventName<C, S>> = z.input<
  EventsOf<C, S>[K]
>;
/** What the receiver's handler gets for event `K` (schema output type). */
export type EventData<C extends AnyContract, S extends Side, K extends EventName<C, S>> = z.output<
  EventsOf<C, S>[K]
>;

/** Names of the requests side `S` sends. */
export type RequestName<C extends AnyContract, S extends Side> = Extract<
  keyof RequestsOf<C, S>,
  string
>;
/** What the caller passes for request `K`. */
export type RequestInput<
  C extends AnyContract,
  S extends Side,
  K extends RequestName<C, S>,
> = z.input<RequestAt<C, S, K>["input"]>;
/** What the handler of request `K` receives (validated). */
export type RequestParams<
  C extends AnyContract,
  S extends Side,
  K extends RequestName<C, S>,
> = z.output<RequestAt<C, S, K>["input"]>;
/** What the handler of request `K` returns. */
export type ResponseInput<
  C extends AnyContract,
  S extends Side,
  K extends RequestName<C, S>,
> = z.input<RequestAt<C, S, K>["output"]>;
/** What the caller of request `K` receives (validated). */
export type ResponseData<
  C extends AnyContract,
  S extends Side,
  K extends RequestName<C, S>,
> = z.output<RequestAt<C, S, K>["output"]>;

type StreamsOf<C extends AnyContract, S extends Side> =
  DirectionOf<C, S> extends { streams: infer T extends Record<string, StreamSchema> }
    ? T
    : Record<never, never>;
type StreamAt<C extends AnyContract, S extends Side, K> = StreamsOf<C, S>[K &
  keyof StreamsOf<C, S>] extends infer X extends StreamSchema
  ? X
  : never;
/** The zod output of `T` (a schema or absent: `undefined`). */
type Out<T> = T extends z.ZodType ? z.output<T> : undefined;
/** The zod input of `T` (a schema or absent: `undefined`). */
type In<T> = T extends z.ZodType ? z.input<T> : undefined;

/** Names of the streams side `S` opens. */
export type StreamName<C extends AnyContract, S extends Side> = Extract<
  keyof StreamsOf<C, S>,
  string
>;
/** What the opener of stream `K` passes to open it. */
export type StreamInput<C extends AnyContract, S extends Side, K extends StreamName<C, S>> = In<
  StreamAt<C, S, K>["input"]
>;
/** What the responder's handler of stream `K` receives as its input (validated). */
export type StreamParams<C extends AnyContract, S extends Side, K extends StreamName<C, S>> = Out<
  StreamAt<C, S, K>["input"]
>;
/** An item the responder of stream `K` yields. */
export type StreamItemInput<C extends AnyContract, S extends Side, K extends StreamName<C, S>> = In<
  StreamAt<C, S, K>["item"]
>;
/** An item the opener of stream `K` reads (validated). */
export type StreamItem<C extends AnyContract, S extends Side, K extends StreamName<C, S>> = Out<
  StreamAt<C, S, K>["item"]
>;
/** An item the opener of stream `K` sends. */
export type StreamSendInput<C extends AnyContract, S extends Side, K extends StreamName<C, S>> = In<
  StreamAt<C, S, K>["send"]
>;
/** An item the responder of stream `K` reads (validated). */
export type StreamSent<C extends AnyContract, S extends Side, K extends StreamName<C, S>> = Out<
  StreamAt<C, S, K>["send"]
>;
/** What the responder of stream `K` returns at its end. */
export type StreamResultInput<
  C extends AnyContract,
  S extends Side,
  K extends StreamName<C, S>,
> = In<StreamAt<C, S, K>["result"]>;
/** What the opener of stream `K` gets as its result (validated). */
export type StreamResult<C extends AnyContract, S extends Side, K extends StreamName<C, S>> = Out<
  StreamAt<C, S, K>["result"]
>;

/**
 * The type of a message-name parameter: `K` when it is one of `Names`, otherwise `Names`. The
 * methods that take a name infer `K` from the argument as written (any string), so a misspelt
 * name fails once, against the plain list of valid names:
 * `Argument of type '"jion"' is not assignable to parameter of type '"join" | "leave"'`.
 * Use it with {@link NameKey} for the types that depend on the name.
 *
 * @example
 * ```ts
 * function send<K extends string>(
 *   name: NameArg<K, EventName<Chat, "client">>,
 *   data: EventInput<Chat, "client", NameKey<K, EventName<Chat, "client">>>,
 * ): void {}
 * send("say", { text: "hi" });
 * send("sya", { text: "hi" }); // one error, on the name
 * ```
 */
export type NameArg<K extends string, Names extends string> = [K] extends [Names] ? K : Names;

/**
 * The name that the payload, handler and result types of a call are looked up with: `K` when it
 * is one of `Names`, otherwise `any`. After a misspelt name they are `any`, so the name's own
 * error is the only one; with `K` itself they would be the union over every message (the
 * fallback TypeScript picks for a type parameter whose argument fails its constraint), and a
 * handler using its message's fields would fail too. See {@link NameArg}.
 *
 * @example
 * ```ts
 * type Input<K extends string> = RequestInput<Chat, "client", NameKey<K, RequestName<Chat, "client">>>;
 * ```
 */
// biome-ignore lint/suspicious/noExplicitAny: `any` is what silences the follow-up errors.
export type NameKey<K extends string, Names extends string> = [K] extends [Names] ? K : any;

/** What the client passes as credentials (`undefined` when the contract declares none). */
export type CredentialsInput<C extends AnyContract> = C["schema"]["credentials"] extends z.ZodType
  ? z.input<C["schema"]["credentials"]>
  : undefined;
/** What the server's authenticate hook receives (validated). */
export type CredentialsData<C extends AnyContract> = C["schema"]["credentials"] extends z.ZodType
  ? z.output<C["schema"]["credentials"]>
  : undefined;
