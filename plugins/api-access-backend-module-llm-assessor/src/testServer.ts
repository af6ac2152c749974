/*
 * A local HTTP server speaking the chat-completions protocol, for tests. Each
 * test sets how it answers; every request it received is kept.
 */
import {
  createServer,
  IncomingMessage,
  Server,
  ServerResponse,
} from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedCall {
  method?: string;
  url?: string;
  headers: IncomingMessage['headers'];
  body: any;
}

export type Answer = (res: ServerResponse, call: ReceivedCall) => void;

/** A chat completion whose message content is `content`. */
export function completion(content: string): Answer {
  return res => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 'chatcmpl-test',
        object: 'chat.completion',
        model: 'test-model',
        choices: [
          {
            index: 0,
            finish_reason: 'stop',
            message: { role: 'assistant', content },
          },
        ],
      }),
    );
  };
}

export const findingsAnswer = (value: unknown) =>
  completion(JSON.stringify(value));

export async function startChatServer() {
  const calls: ReceivedCall[] = [];
  let answer: Answer = findingsAnswer({ findings: [] });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: any = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the raw text
      }
      const call = {
        method: req.method,
        url: req.url,
        headers: req.headers,
        body,
      };
      calls.push(call);
      answer(res, call);
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    calls,
    answerWith(next: Answer) {
      answer = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise(resolve => server.close(resolve));
    },
  };
}
