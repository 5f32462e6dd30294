/** Sends a raw HTTP/1.1 request (e.g. an absolute-form proxy request fetch() cannot make). */
export async function rawRequest(
  port: number,
  requestLine: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Uint8Array }> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  const head = [
    requestLine,
    ...Object.entries({ connection: "close", ...headers }).map(([k, v]) => `${k}: ${v}`),
  ]
    .join("\r\n") + "\r\n\r\n";
  await connection.write(new TextEncoder().encode(head));
  const raw = new Uint8Array(await new Response(connection.readable).arrayBuffer());
  let split = 0;
  while (
    split + 3 < raw.length &&
    !(raw[split] === 13 && raw[split + 1] === 10 && raw[split + 2] === 13 && raw[split + 3] === 10)
  ) split++;
  const headText = new TextDecoder().decode(raw.subarray(0, split));
  const [statusLine, ...lines] = headText.split("\r\n");
  const parsed = new Headers(
    lines.map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]),
  );
  let body: Uint8Array = raw.subarray(split + 4);
  if (parsed.get("transfer-encoding") === "chunked") body = dechunk(body);
  return { status: Number(statusLine.split(" ")[1]), headers: parsed, body };
}

function dechunk(data: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let i = 0;
  while (i < data.length) {
    let end = i;
    while (!(data[end] === 13 && data[end + 1] === 10)) end++;
    const size = parseInt(new TextDecoder().decode(data.subarray(i, end)), 16);
    if (!size) break;
    parts.push(data.subarray(end + 2, end + 2 + size));
    i = end + 2 + size + 2;
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
