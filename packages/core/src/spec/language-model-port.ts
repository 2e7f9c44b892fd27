/** The narrow interface the reader (fine mode) and other LLM-using parts call. */
export interface LanguageModelPort {
  /** A stable identifier for logs and fingerprints. */
  readonly id: string;
  /** Generate text from a system prompt and messages. */
  generate(request: LanguageModelRequest): Promise<LanguageModelResponse>;
}

export interface LanguageModelRequest {
  system?: string;
  messages: { role: 'user' | 'assistant'; content: string }[];
  maxOutputTokens?: number;
  temperature?: number;
  /** When set, the model must answer with JSON matching this JSON Schema. */
  jsonSchema?: Record<string, unknown>;
  abortSignal?: AbortSignal;
}

export interface LanguageModelResponse {
  text: string;
  usage?: { inputTokens?: number; outputTokens?: number };
}
