/**
 * Server-sent events, reduced to what chat-completion streams use: the `data` of each event.
 * Follows the WHATWG event-stream rules that matter here: LF, CRLF or CR line ends, `:` comments,
 * several `data:` lines joined by "\n", an event dispatched at a blank line (or at the end of the body).
 */

/** Yields the data payload of each event in the body, in order. */
export async function* sseData(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = "";
  let data: string[] = [];
  let pendingCr = false;

  function* lines(text: string, final: boolean): Generator<string> {
    buffer += text;
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
      const c = buffer[i];
      if (c === "\n" && pendingCr) {
        // The LF of a CRLF whose CR ended the previous line.
        pendingCr = false;
        start = i + 1;
        continue;
      }
      pendingCr = false;
      if (c === "\n" || c === "\r") {
        yield buffer.slice(start, i);
        pendingCr = c === "\r";
        start = i + 1;
      }
    }
    buffer = buffer.slice(start);
    if (final && buffer !== "") {
      yield buffer;
      buffer = "";
    }
  }

  function* feed(text: string, final: boolean): Generator<string> {
    for (const line of lines(text, final)) {
      if (line === "") {
        if (data.length > 0) yield data.join("\n");
        data = [];
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "data") data.push(value);
    }
  }

  for await (const chunk of body) yield* feed(decoder.decode(chunk, { stream: true }), false);
  yield* feed(decoder.decode(), true);
  if (data.length > 0) yield data.join("\n");
}
