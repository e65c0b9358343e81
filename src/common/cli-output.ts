/** CLI commands print human text by default and one JSON document with --json. */
export function printResult(json: boolean | undefined, value: unknown, human: () => string[]): void {
  if (json) process.stdout.write(JSON.stringify(value, null, 2) + '\n');
  else for (const line of human()) process.stdout.write(line + '\n');
}

export const jsonOption = { flags: '--json', description: 'print JSON for scripts' };
