/**
 * Entry point of the benchmark's child processes. The orchestrator forks one for the server side
 * and one for the client side of each contender and drives them over IPC (see ipc.ts). Nothing
 * here measures by itself; the scenario modules do.
 */
import { loadContender } from "./contenders/index.js";
import type { BenchServer } from "./contenders/types.js";
import type { ChildMessage, ParentMessage } from "./ipc.js";
import { SCENARIOS } from "./scenarios/index.js";
import type { ClientOutcome } from "./scenarios/types.js";

let server: BenchServer | undefined;
let pendingCleanup: ClientOutcome["cleanup"] | undefined;

function reply(message: ChildMessage): void {
  process.send?.(message);
}

async function handle(message: ParentMessage): Promise<void> {
  const { seq } = message;
  switch (message.op) {
    case "start-server": {
      const contender = await loadContender(message.contender);
      server = await contender.startServer();
      reply({ seq, op: "listening", address: server.address, label: contender.label });
      return;
    }
    case "server-task": {
      if (!server) throw new Error("no server started");
      const measures = await SCENARIOS[message.scenario].serverTask(server, message.params, () =>
        reply({ seq, op: "armed" }),
      );
      reply({ seq, op: "result", measures });
      return;
    }
    case "client-task": {
      const contender = await loadContender(message.contender);
      const outcome = await SCENARIOS[message.scenario].clientTask(
        contender,
        message.address,
        message.params,
      );
      pendingCleanup = outcome.cleanup;
      reply({ seq, op: "result", measures: outcome.measures });
      return;
    }
    case "cleanup": {
      const cleanup = pendingCleanup;
      pendingCleanup = undefined;
      await cleanup?.();
      reply({ seq, op: "done" });
      return;
    }
    case "exit": {
      await Promise.race([server?.close(), new Promise((resolve) => setTimeout(resolve, 2000))]);
      process.exit(0);
    }
  }
}

process.on("message", (message: ParentMessage) => {
  handle(message).catch((error: unknown) => {
    reply({
      seq: message.seq,
      op: "error",
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  });
});
// The orchestrator going away (even by SIGKILL) closes the IPC channel: never outlive it.
process.on("disconnect", () => process.exit(0));
