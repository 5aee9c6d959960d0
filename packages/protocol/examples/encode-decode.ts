// Encodes a typed event into frame bytes, feeds them to a streaming decoder in awkward pieces,
// and decodes them back with validation, then shows what a bad payload turns into.
// Run: pnpm --filter @sockwire/protocol example
import {
  decodeEvent,
  defineContract,
  encodeEnvelope,
  encodeEvent,
  FrameDecoder,
  isSockwireError,
  Kind,
  parseEnvelope,
} from "@sockwire/protocol";
import { z } from "zod";

const chat = defineContract({
  name: "chat",
  client: { events: { say: z.object({ text: z.string().max(1000), seq: z.number().int() }) } },
  server: { events: { greeting: z.object({ text: z.string() }) } },
});

// Sender: validate against the contract, encode, frame. One buffer, ready for socket.write().
const frame = encodeEvent(chat, "client", "say", {
  text: "Client send Message on 2017/4/19 23:15:24",
  seq: 1,
});
console.log(`frame (${frame.length} bytes): ${frame.toString("hex")}`);

// Receiver: TCP may deliver the bytes in any pieces; here, 5 bytes at a time.
const decoder = new FrameDecoder({ maxFrameBytes: 1024 * 1024 });
for (let at = 0; at < frame.length; at += 5) {
  decoder.push(frame.subarray(at, at + 5));
  // nextEnvelope() frames and parses in one step (extension kinds this version ignores are skipped).
  for (let envelope = decoder.nextEnvelope(); envelope; envelope = decoder.nextEnvelope()) {
    const event = decodeEvent(chat, "client", envelope);
    if (event.name === "say") console.log(`received say #${event.data.seq}: ${event.data.text}`);
  }
}

// A well-formed frame whose payload breaks the contract becomes a coded error, not a crash.
// (encodeEnvelope skips the contract, standing in for a misbehaving peer.)
const bad = encodeEnvelope({ kind: Kind.EVENT, type: "say" }, JSON.stringify({ text: 42 }));
const badEnvelope = parseEnvelope(bad.subarray(4)); // a frame body starts after the 4-byte prefix
try {
  if (badEnvelope) decodeEvent(chat, "client", badEnvelope);
} catch (error) {
  if (!isSockwireError(error)) throw error;
  console.log(`rejected: ${error.code} ${JSON.stringify(error.details?.issues)}`);
}
console.log(`contract fingerprint: ${chat.fingerprint}`);
