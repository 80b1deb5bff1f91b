// Cohere v2 chat on the wire (protocols.md §1).
export const COHERE_CHAT_PATH = "/v2/chat";
