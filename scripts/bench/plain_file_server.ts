/**
 * The reference for the cache-hit benchmark: a plain `Deno.serve` file
 * server that streams files from a directory with no routing, database or
 * checks. Usage: deno run -P=test plain_file_server.ts PORT DIR
 */

const [port, root] = [Number(Deno.args[0]), Deno.args[1]];
Deno.serve(
  { hostname: "127.0.0.1", port, onListen: () => console.log("listening") },
  async (request) => {
    const path = root + decodeURIComponent(new URL(request.url).pathname);
    try {
      const file = await Deno.open(path);
      const { size } = await file.stat();
      return new Response(file.readable, { headers: { "content-length": String(size) } });
    } catch {
      return new Response("not found\n", { status: 404 });
    }
  },
);
