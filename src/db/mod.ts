/**
 * The state database: opening it, its schema as numbered migrations, and
 * transactions. The one place that knows the tables exist; the parts that
 * use them only prepare statements.
 *
 * @module
 */
export { DATABASE_FILE, openDatabase } from "./open.ts";
export { transaction } from "./transaction.ts";
