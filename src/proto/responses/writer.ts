// Responses shares OpenAI's error envelope (protocols.md §8: OA, RS).
export { renderAuthFailure, renderError } from "../openai/writer.ts";
