import { ErrorCode } from "../../errors/codes.js";
import { SockwireError } from "../../errors/sockwire-error.js";
import { canonicalText, compareUtf16 } from "../canonical/canonical-json.js";
import type {
  CanonicalContract,
  CanonicalMessage,
  CanonicalNode,
  CanonicalRequest,
  CanonicalStream,
  MessageKey,
} from "../canonical/node-types.js";
import { validateCanonicalContract } from "../canonical/validate-form.js";
import type { Side } from "../types.js";
import { checkFlow } from "./accepts.js";
import type { Incompatibility } from "./slots.js";

/** A side of the connection (the same as `Side`). */
export type PeerSide = Side;

/**
 * What happens to one message between two peers:
 * - `compatible`: both know it and every flow of it works (identical schemas included);
 * - `incompatible`: both know it, and some value the sender may write would be refused;
 * - `unknown-to-receiver`: the sender has it, the receiver does not: disabled;
 * - `never-sent`: the receiver has it, the sender does not: harmless, reported.
 */
export type MessageStatus = "compatible" | "incompatible" | "unknown-to-receiver" | "never-sent";

/** One direction values travel in for a message: an event, a request's input or its output, credentials. */
export interface FlowVerdict {
  readonly flow: "event" | "input" | "output" | "item" | "send" | "result" | "credentials";
  /** The side that writes the values of this flow. */
  readonly from: PeerSide;
  readonly compatible: boolean;
  readonly reasons: readonly Incompatibility[];
}

/** The verdict for one message between a client and a server. */
export interface MessageComparison {
  readonly key: MessageKey;
  readonly status: MessageStatus;
  /** The side whose message it is (that sends the event, or makes the request). */
  readonly sender: PeerSide;
  /** True when both sides have exactly the same schemas for it. */
  readonly identical: boolean;
  /** One entry per flow when both sides know the message; empty otherwise. */
  readonly flows: readonly FlowVerdict[];
}

/** {@link compareContracts}' answer: the same whichever of the two peers computes it. */
export interface ContractComparison {
  readonly nameMatches: boolean;
  /** True when no message is `incompatible` or `unknown-to-receiver`. */
  readonly compatible: boolean;
  readonly messages: readonly MessageComparison[];
}

/**
 * Compares this peer's contract form with the peer's, message by message, for a connection where
 * this peer is `localSide` (PROTOCOL.md 7.6). Each message is checked in the direction it flows:
 * an event from the side that declares it, a request's input from the requester and its output
 * back, credentials from the client. Every verdict is stated in terms of client and server, so the
 * server (`localSide` "server") and the client (`localSide` "client") get equal results from the
 * same two forms.
 *
 * @throws `ERR_INVALID_ARGUMENT` for a malformed form or an unknown `localSide`.
 *
 * @example
 * ```ts
 * const result = compareContracts(canonicalContract(chat), remoteForm, "server");
 * for (const m of result.messages) if (m.status !== "compatible") log(m.key, m.status, m.flows);
 * ```
 */
export function compareContracts(
  local: CanonicalContract,
  remote: CanonicalContract,
  localSide: PeerSide,
): ContractComparison {
  if (localSide !== "client" && localSide !== "server") {
    throw new SockwireError(ErrorCode.INVALID_ARGUMENT, `localSide must be "client" or "server"`);
  }
  const mine = validateCanonicalContract(local);
  const theirs = validateCanonicalContract(remote);
  return localSide === "client"
    ? compareClientServer(mine, theirs)
    : compareClientServer(theirs, mine);
}

/** The comparison of a client's form with a server's (both validated). */
export function compareClientServer(
  client: CanonicalContract,
  server: CanonicalContract,
): ContractComparison {
  const messages = [credentials(client, server), ...tables(client, server)].filter(
    (m): m is MessageComparison => m !== undefined,
  );
  messages.sort((a, b) => compareUtf16(a.key, b.key));
  const compatible = messages.every((m) => m.status === "compatible" || m.status === "never-sent");
  return { nameMatches: client.name === server.name, compatible, messages };
}

const OTHER: Readonly<Record<PeerSide, PeerSide>> = { client: "server", server: "client" };

function tables(client: CanonicalContract, server: CanonicalContract): MessageComparison[] {
  const peers: Record<PeerSide, CanonicalContract> = { client, server };
  const out: MessageComparison[] = [];
  for (const side of ["client", "server"] as const) {
    for (const table of ["events", "requests", "streams"] as const) {
      const mine: Readonly<Record<string, CanonicalMessage>> = peers[side][side][table] ?? {};
      const theirs: Readonly<Record<string, CanonicalMessage>> =
        peers[OTHER[side]][side][table] ?? {};
      const names = new Set([...Object.keys(mine), ...Object.keys(theirs)]);
      for (const name of names) {
        const key = `${side}.${table}.${name}` as MessageKey;
        const sent = Object.hasOwn(mine, name) ? mine[name] : undefined;
        const received = Object.hasOwn(theirs, name) ? theirs[name] : undefined;
        out.push(message(key, side, table, sent, received));
      }
    }
  }
  return out;
}

/**
 * The verdict for one message whose key is `key` (not `credentials`), from the sender's
 * declaration of it (`sent`) and the receiver's (`received`); either may be missing. What the
 * handshake uses when only some messages' schemas were exchanged (PROTOCOL.md 8.1).
 *
 * @example
 * ```ts
 * compareMessage("server.events.greeting", newServerNode, oldClientNode).status; // "compatible"
 * ```
 */
export function compareMessage(
  key: MessageKey,
  sent: CanonicalMessage | undefined,
  received: CanonicalMessage | undefined,
): MessageComparison {
  const [sender, table] = key.split(".") as [PeerSide, Table];
  return message(key, sender, table, sent, received);
}

/** `sent`: the sender's declaration of the message; `received`: the receiver's. */
function message(
  key: MessageKey,
  sender: PeerSide,
  table: Table,
  sent: CanonicalMessage | undefined,
  received: CanonicalMessage | undefined,
): MessageComparison {
  if (sent === undefined || received === undefined) {
    const status = sent === undefined ? "never-sent" : "unknown-to-receiver";
    return { key, status, sender, identical: false, flows: [] };
  }
  const flows =
    table === "streams"
      ? streamFlows(sender, sent as CanonicalStream, received as CanonicalStream)
      : table === "events"
        ? [flow("event", sender, received as CanonicalNode, sent as CanonicalNode)]
        : [
            flow(
              "input",
              sender,
              (received as CanonicalRequest).input,
              (sent as CanonicalRequest).input,
            ),
            flow(
              "output",
              OTHER[sender],
              (sent as CanonicalRequest).output,
              (received as CanonicalRequest).output,
            ),
          ];
  const status = flows.every((f) => f.compatible) ? "compatible" : "incompatible";
  return { key, status, sender, identical: canonicalText(sent) === canonicalText(received), flows };
}

function flow(
  name: FlowVerdict["flow"],
  from: PeerSide,
  receiver: CanonicalNode,
  sender: CanonicalNode,
): FlowVerdict {
  const { compatible, reasons } = checkFlow(receiver, sender);
  return { flow: name, from, compatible, reasons };
}

type Table = "events" | "requests" | "streams";

/**
 * A stream's flows (PROTOCOL.md 7.6): `input` and `send` travel from its opener (`opener`, whose
 * declaration is `sent`), `item` and `result` from the responder (`received`). An `item` or `send`
 * the producing side does not declare never flows; one the consuming side does not declare cannot
 * be read, so it is incompatible. A missing `result` is the undefined value, on either side.
 */
function streamFlows(
  opener: PeerSide,
  sent: CanonicalStream,
  received: CanonicalStream,
): FlowVerdict[] {
  const responder = OTHER[opener];
  const flows = [flow("input", opener, received.input, sent.input)];
  const items = optionalFlow("item", responder, sent.item, received.item);
  if (items !== undefined) flows.push(items);
  const sends = optionalFlow("send", opener, received.send, sent.send);
  if (sends !== undefined) flows.push(sends);
  flows.push(flow("result", responder, sent.result ?? UNDEFINED, received.result ?? UNDEFINED));
  return flows;
}

/** An item flow: none when the producer declares none; incompatible when only the producer does. */
function optionalFlow(
  name: "item" | "send",
  from: PeerSide,
  receiver: CanonicalNode | undefined,
  sender: CanonicalNode | undefined,
): FlowVerdict | undefined {
  if (sender === undefined) return undefined;
  if (receiver === undefined) {
    const reasons = [{ path: "", message: `the receiver declares no ${name} schema` }];
    return { flow: name, from, compatible: false, reasons };
  }
  return flow(name, from, receiver, sender);
}

const UNDEFINED: CanonicalNode = Object.freeze({ type: "undefined" });

/**
 * The hello's credentials flow from client to server. A server without a credentials schema
 * ignores whatever comes (PROTOCOL.md 5.1); a client without one sends none, which the server's
 * schema must then accept.
 */
function credentials(
  client: CanonicalContract,
  server: CanonicalContract,
): MessageComparison | undefined {
  if (client.credentials === null && server.credentials === null) return undefined;
  const base = { key: "credentials" as const, sender: "client" as const };
  const identical =
    client.credentials !== null &&
    server.credentials !== null &&
    canonicalText(client.credentials) === canonicalText(server.credentials);
  if (server.credentials === null) {
    const ignored: FlowVerdict = {
      flow: "credentials",
      from: "client",
      compatible: true,
      reasons: [],
    };
    return { ...base, status: "compatible", identical, flows: [ignored] };
  }
  const verdict = flow(
    "credentials",
    "client",
    server.credentials,
    client.credentials ?? UNDEFINED,
  );
  return {
    ...base,
    status: verdict.compatible ? "compatible" : "incompatible",
    identical,
    flows: [verdict],
  };
}
