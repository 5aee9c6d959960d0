import type { ContenderName } from "../contenders/types.js";
import type { ScenarioName } from "../scenarios/types.js";

/**
 * The goals sockwire is held to, each a ratio sockwire / peer of one metric measured in the same
 * run (never an absolute number, which would only describe this machine on that day).
 */
export interface Target {
  scenario: ScenarioName;
  metric: string;
  peer: ContenderName;
  /** The ratio sockwire / peer must be at least (`>=`), at most (`<=`) or below (`<`) `value`. */
  op: ">=" | "<=" | "<";
  value: number;
  text: string;
}

export const TARGETS: Target[] = [
  {
    scenario: "oneway",
    metric: "msgsPerSec",
    peer: "ws",
    op: ">=",
    value: 10,
    text: "one-way throughput ≥ 10× ws",
  },
  {
    scenario: "oneway",
    metric: "msgsPerSec",
    peer: "net-raw",
    op: ">=",
    value: 5,
    text: "one-way throughput ≥ 5× hand-rolled net",
  },
  {
    scenario: "pipelined",
    metric: "rtPerSec",
    peer: "net-raw",
    op: ">=",
    value: 2,
    text: "pipelined round trips ≥ 2× hand-rolled net",
  },
  {
    scenario: "rtt",
    metric: "p50",
    peer: "net-raw",
    op: "<=",
    value: 1.15,
    text: "round-trip p50 ≤ 1.15× hand-rolled net",
  },
  {
    scenario: "rtt",
    metric: "p50",
    peer: "ws",
    op: "<",
    value: 1,
    text: "round-trip p50 below ws",
  },
  {
    scenario: "rtt",
    metric: "p50",
    peer: "socketio",
    op: "<",
    value: 1,
    text: "round-trip p50 below socket.io",
  },
  {
    scenario: "rtt",
    metric: "p99",
    peer: "net-raw",
    op: "<=",
    value: 1,
    text: "round-trip p99 no worse than hand-rolled net",
  },
  {
    scenario: "fanout",
    metric: "deliveriesPerSec",
    peer: "socketio",
    op: ">=",
    value: 5,
    text: "fan-out deliveries/s ≥ 5× socket.io",
  },
  {
    scenario: "idle",
    metric: "rssPerConn",
    peer: "ws",
    op: "<=",
    value: 1,
    text: "RSS per idle connection ≤ ws",
  },
  {
    scenario: "connect",
    metric: "connectsPerSec",
    peer: "ws",
    op: ">=",
    value: 2,
    text: "connect rate ≥ 2× ws",
  },
  {
    scenario: "stream",
    metric: "itemsPerSec",
    peer: "grpc",
    op: ">=",
    value: 5,
    text: "server-to-client streaming ≥ 5× gRPC server streaming",
  },
];

/** Whether `ratio` meets the target. */
export function meets(target: Target, ratio: number): boolean {
  switch (target.op) {
    case ">=":
      return ratio >= target.value;
    case "<=":
      return ratio <= target.value;
    case "<":
      return ratio < target.value;
  }
}
