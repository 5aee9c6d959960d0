import { createRequire } from "node:module";
import * as grpc from "@grpc/grpc-js";
import { type ChatPayload, chat, chatPayloadSchema } from "../message.js";
import type { BenchClient, BenchServer, Contender, ServerAddress } from "./types.js";

const version = (
  createRequire(import.meta.url)("@grpc/grpc-js/package.json") as { version: string }
).version;

/**
 * gRPC server streaming with @grpc/grpc-js (HTTP/2, its flow-control windows), measured in the
 * streaming scenario only. The messages are the same JSON as every other contender's, validated
 * with the same zod schema when written and when read, as sockwire validates its items; a
 * protobuf encoding would change the bytes, not the streaming machinery being compared.
 */
const json = {
  serialize: (value: unknown) => Buffer.from(JSON.stringify(value)),
  deserialize: (bytes: Buffer) => JSON.parse(bytes.toString("utf8")) as unknown,
};

const service: grpc.ServiceDefinition = {
  feed: {
    path: "/bench.Bench/Feed",
    requestStream: false,
    responseStream: true,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: (value: ChatPayload) => json.serialize(chatPayloadSchema.parse(value)),
    responseDeserialize: (bytes: Buffer) => chatPayloadSchema.parse(json.deserialize(bytes)),
    originalName: "feed",
  },
};

async function startServer(): Promise<BenchServer> {
  const server = new grpc.Server();
  server.addService(service, {
    // Writes until the stream's buffer is full, then waits for drain: gRPC's backpressure.
    feed(call: grpc.ServerWritableStream<{ count: number }, ChatPayload>) {
      const count = call.request.count;
      let seq = 0;
      const pump = (): void => {
        while (seq < count) {
          if (!call.write(chat(seq++))) {
            call.once("drain", pump);
            return;
          }
        }
        call.end();
      };
      pump();
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    address: { port },
    onChat() {},
    clientCount: () => 0,
    broadcast() {
      throw new Error("gRPC runs the streaming scenario only");
    },
    hasRoom: () => true,
    waitForRoom: () => Promise.resolve(),
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
      }),
  };
}

const Client = grpc.makeGenericClientConstructor(service, "Bench");

async function connect(address: ServerAddress): Promise<BenchClient> {
  const client = new Client(`127.0.0.1:${address.port}`, grpc.credentials.createInsecure());
  await new Promise<void>((resolve, reject) =>
    client.waitForReady(Date.now() + 10_000, (error) => (error ? reject(error) : resolve())),
  );
  const unsupported = (): never => {
    throw new Error("gRPC runs the streaming scenario only");
  };
  return {
    send: unsupported,
    hasRoom: () => true,
    waitForRoom: () => Promise.resolve(),
    request: unsupported,
    streamItems(count) {
      return new Promise<number>((resolve, reject) => {
        const call = (
          client as unknown as {
            feed(input: { count: number }): grpc.ClientReadableStream<ChatPayload>;
          }
        ).feed({ count });
        let seq = 0;
        call.on("data", (item: ChatPayload) => {
          if (item.seq !== seq) {
            call.cancel();
            reject(new Error(`item ${item.seq} arrived as number ${seq}`));
          }
          seq++;
        });
        call.on("error", reject);
        call.on("end", () => resolve(seq));
      });
    },
    close: async () => client.close(),
  };
}

/** gRPC server streaming (@grpc/grpc-js): the streaming scenario's reference. */
export const contender: Contender = {
  name: "grpc",
  label: `@grpc/grpc-js ${version}`,
  startServer,
  connect,
};
