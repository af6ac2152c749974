export interface Config {
  apiAccess?: {
    /**
     * The optional LLM assessor of the request assistant. Without this
     * section the module does nothing. It sends a request's text fields (use
     * case, justification, credential storage plan, resubmission comment) and
     * the API's name and description to an OpenAI-compatible
     * chat-completions endpoint, and adds the advice it gets back as
     * findings. It never blocks a request and never sees a credential.
     */
    llmAssessor?: {
      /**
       * Base URL of the OpenAI-compatible API; `/chat/completions` is
       * appended, e.g. https://api.openai.com/v1 or http://localhost:11434/v1.
       * https is required unless the host is localhost or 127.0.0.1, or
       * allowInsecure is true.
       */
      baseUrl: string;
      /** Model name, e.g. gpt-4o-mini. */
      model: string;
      /**
       * Sent as `Authorization: Bearer <apiKey>`. Set it from the environment,
       * e.g. ${LLM_ASSESSOR_API_KEY}. Optional for local models.
       * @visibility secret
       */
      apiKey?: string;
      /** Seconds to wait for the answer, above 0 and at most 60. Keep it below apiAccess.assessment.moduleTimeoutSeconds (default 10). Default: 8. */
      timeoutSeconds?: number;
      /** Most findings kept from one answer, 1-20. Default: 5. */
      maxFindings?: number;
      /** Allow a plain http baseUrl to a host other than localhost. Default: false. */
      allowInsecure?: boolean;
    };
  };
}
