// The yardstick for nsrecipe's startup: the smallest Deno program (`deno run -q bench/hello.ts`).
console.log("hello");
