import type { TestApp } from './test-app';

/** Every row of every table of the app's schema, as JSON text: where a secret stored in clear would show. */
export async function everyRowAsText(t: TestApp): Promise<string> {
  const tables: Array<{ table_name: string }> = await t.db.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  const rows: string[] = [];
  for (const { table_name } of tables) rows.push(...(await t.db.query(`SELECT row_to_json(x)::text AS row FROM "${table_name}" x`)).map((r: { row: string }) => r.row));
  return rows.join('\n');
}
