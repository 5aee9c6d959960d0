import type { ContenderName, ServerAddress } from "./contenders/types.js";
import type { Measures, Params, ScenarioName } from "./scenarios/types.js";

/** Messages from the orchestrator to a child. Every one carries a sequence number for its replies. */
export type ParentMessage =
  | { seq: number; op: "start-server"; contender: ContenderName }
  | { seq: number; op: "server-task"; scenario: ScenarioName; params: Params }
  | {
      seq: number;
      op: "client-task";
      contender: ContenderName;
      scenario: ScenarioName;
      params: Params;
      address: ServerAddress;
    }
  | { seq: number; op: "cleanup" }
  | { seq: number; op: "exit" };

/** Messages from a child: an answer to request `seq`, an intermediate `armed`, or a failure. */
export type ChildMessage =
  | { seq: number; op: "listening"; address: ServerAddress; label: string }
  | { seq: number; op: "armed" }
  | { seq: number; op: "result"; measures: Measures }
  | { seq: number; op: "done" }
  | { seq: number; op: "error"; message: string };
