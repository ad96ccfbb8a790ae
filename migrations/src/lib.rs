//! Reskill's database migrations, for SQLite and PostgreSQL.
//!
//! Migrations record history, so they never import the store's entities: every table and column
//! is named locally in the migration that touches it. Each migration has a working `down`.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_create_taxonomy;
mod m20261125_000002_create_risk;
mod m20261125_000003_create_catalog;
mod m20261125_000004_create_people;
mod m20261125_000005_create_outbox_and_audit;
mod m20261125_000006_create_changes;
mod m20261201_000007_tag_catalog;
mod m20261201_000101_accounts_workflows;
mod m20261201_000201_mail_outbox_leases;
mod m20261201_000202_outbox_claim_indexes;
mod m20261207_000301_text_embeddings;
mod m20261207_000302_occupation_attributes;
mod m20261207_000303_remote_work;
mod m20261207_000304_occupation_onet_codes;
mod m20261208_000305_programme_types;

/// Runs Reskill's migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_taxonomy::Migration),
            Box::new(m20261125_000002_create_risk::Migration),
            Box::new(m20261125_000003_create_catalog::Migration),
            Box::new(m20261125_000004_create_people::Migration),
            Box::new(m20261125_000005_create_outbox_and_audit::Migration),
            Box::new(m20261125_000006_create_changes::Migration),
            Box::new(m20261201_000007_tag_catalog::Migration),
            Box::new(m20261201_000101_accounts_workflows::Migration),
            Box::new(m20261201_000201_mail_outbox_leases::Migration),
            Box::new(m20261201_000202_outbox_claim_indexes::Migration),
            Box::new(m20261207_000301_text_embeddings::Migration),
            Box::new(m20261207_000302_occupation_attributes::Migration),
            Box::new(m20261207_000303_remote_work::Migration),
            Box::new(m20261207_000304_occupation_onet_codes::Migration),
            Box::new(m20261208_000305_programme_types::Migration),
        ]
    }
}

/// Creates an index named `name` on `columns` of `table`.
async fn create_index<T, C>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    columns: impl IntoIterator<Item = C>,
    unique: bool,
) -> Result<(), DbErr>
where
    T: IntoIden,
    C: IntoIden,
{
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column);
    }
    if unique {
        index.unique();
    }
    manager.create_index(index).await
}

/// Returns a foreign key named `name` from `from.1` of table `from.0` to `to.1` of `to.0`.
fn foreign_key<A, B, C, D>(
    name: &str,
    from: (A, B),
    to: (C, D),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement
where
    A: IntoIden,
    B: IntoIden,
    C: IntoIden,
    D: IntoIden,
{
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .to_owned()
}

/// Drops `tables` in the order given (dependents first).
async fn drop_tables(
    manager: &SchemaManager<'_>,
    tables: impl IntoIterator<Item = DynIden>,
) -> Result<(), DbErr> {
    for table in tables {
        manager
            .drop_table(Table::drop().table(table).to_owned())
            .await?;
    }
    Ok(())
}
