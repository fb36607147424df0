// Tests read response bodies as loosely typed JSON and assert on their shape.
declare global {
  interface Response {
    // biome-ignore lint/suspicious/noExplicitAny: test assertions check the shape at run time
    json(): Promise<any>;
  }
}

export {};
