// The built-in mock upstream: every provider's wire protocol, deterministic replies and fault injection, for tests, demo and benchmarks.
export { startMockUpstream, type MockOptions, type MockUpstream } from "./server.ts";
export type { MockRequestRecord, MockStats } from "./records.ts";
export type { MockProtocolName } from "./protocol.ts";
export { runMockUpstreamCli, parseMockArgs, MOCK_USAGE } from "./cli.ts";
export { mockControl, MockControlError, type MockControl, type MockControlOptions } from "./control.ts";
export type { Behaviour, BehaviourKind, Mix, MixEntry } from "./behaviour.ts";
export type { MemberLog, MemberRequest, MemberView } from "./control-wire.ts";
