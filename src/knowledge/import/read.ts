/**
 * Reads a whole input (a file or stdin) as UTF-8 text without ever holding more than a cap:
 * another tool's output file is untrusted, and an endless stream must end in an error, not
 * in an out-of-memory kill.
 */

export class InputTooLarge extends Error {
  override readonly name = 'InputTooLarge';
}

export async function readCapped(stream: NodeJS.ReadableStream, maxChars: number): Promise<string> {
  stream.setEncoding?.('utf8');
  let text = '';
  for await (const chunk of stream as AsyncIterable<string | Buffer>) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (text.length > maxChars) {
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      throw new InputTooLarge(`larger than ${maxChars} characters`);
    }
  }
  return text;
}
