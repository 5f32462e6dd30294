/**
 * The state database: opening it, its schema as numbered migrations, and
 * transactions. The one place that knows the tables exist; the parts that
 * use them only prepare statements.
 *
 * @module
 */
export * from "./open.ts";
export * from "./migrate.ts";
export * from "./migrations.ts";
export * from "./transaction.ts";
export * from "./errors.ts";
