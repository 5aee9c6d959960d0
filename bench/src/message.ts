import { z } from "zod";

/**
 * The message every contender moves: the seed article's client line, numbered. On the wire it is
 * `{ type: "chat", payload: { text, seq } }` for the libraries that carry a type in the body, and
 * the `chat` event with `{ text, seq }` for those that name events themselves (sockwire,
 * socket.io).
 */
export interface ChatPayload {
  text: string;
  seq: number;
}

/** The text of the seed's client message, fixed so every run sends the same bytes. */
export const CHAT_TEXT = "Client send Message on 2017/4/19 23:15:24";

/** Builds message number `seq`. */
export function chat(seq: number): ChatPayload {
  return { text: CHAT_TEXT, seq };
}

/** Schema of the payload; sockwire's contract and the zod-validated net contender share it. */
export const chatPayloadSchema = z.object({
  text: z.string().max(4096),
  seq: z.number().int().nonnegative(),
});

/** Schema of the whole body of a one-way message in the hand-rolled framings. */
export const chatMessageSchema = z.object({ type: z.literal("chat"), payload: chatPayloadSchema });

/** Schema of a request or reply body in the hand-rolled framings: the message plus a correlation id. */
export const chatRequestSchema = z.object({
  id: z.number().int().nonnegative(),
  type: z.literal("chat"),
  payload: chatPayloadSchema,
});

/** Body of a hand-rolled message: a one-way chat, or a request/reply when it carries an id. */
export interface WireMessage {
  id?: number;
  type: "chat";
  payload: ChatPayload;
}
