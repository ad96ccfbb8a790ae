//! `reskill stats`: how much data is loaded.

use crate::{OutputFormat, Settings, StatsArgs};

/// Prints the counts as text or JSON.
pub async fn run(settings: &Settings, args: StatsArgs) -> anyhow::Result<()> {
    let db = super::open_database(settings).await?;
    let stats = reskill_store::stats::stats(&db).await?;
    match args.format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&stats)?),
        OutputFormat::Text => {
            let value = serde_json::to_value(stats)?;
            if let Some(map) = value.as_object() {
                let width = map.keys().map(String::len).max().unwrap_or(0);
                for (name, count) in map {
                    println!("{name:<width$}  {count}");
                }
            }
        }
    }
    Ok(())
}
