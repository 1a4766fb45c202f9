// The two Node globals the seed client uses (no @types/node needed).
declare const process: {
  env: Record<string, string | undefined>;
  argv: string[];
  exit(code: number): never;
};
