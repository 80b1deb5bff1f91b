// OpenAI Responses on the wire (protocols.md §1).
export const RESPONSES_PATH = "/v1/responses";
