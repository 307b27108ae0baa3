/** The few schema differences between SQLite and PostgreSQL, kept in one place. */
import type { ColumnDataType, ColumnDefinitionBuilder } from 'kysely';
import type { DialectName } from '../db.ts';

export interface MigrationContext {
  dialect: DialectName;
}

/** Column type of an auto-incrementing sequence primary key. */
export function serialPk(ctx: MigrationContext): ColumnDataType {
  return ctx.dialect === 'postgres' ? 'bigint' : 'integer';
}

/** Column constraints of an auto-incrementing sequence primary key. */
export function serialPkColumn(ctx: MigrationContext, c: ColumnDefinitionBuilder): ColumnDefinitionBuilder {
  return ctx.dialect === 'postgres'
    ? c.primaryKey().generatedByDefaultAsIdentity()
    : c.primaryKey().autoIncrement();
}
