//! `reskill stats`: how much data is loaded.

use crate::{OutputFormat, Settings, StatsArgs};

/// Prints the counts as text or JSON.
pub async fn run(settings: &Settings, args: StatsArgs) -> anyhow::Result<()> {
    let db = super::open_database(settings).await?;
    let stats = reskill_store::stats::stats(&db).await?;
    let model = model_line(settings, &db).await?;
    match args.format {
        OutputFormat::Json => {
            let mut value = serde_json::to_value(stats)?;
            value["model"] = serde_json::Value::String(model);
            println!("{}", serde_json::to_string_pretty(&value)?);
        }
        OutputFormat::Text => {
            let value = serde_json::to_value(stats)?;
            if let Some(map) = value.as_object() {
                let width = map.keys().map(String::len).max().unwrap_or(0);
                for (name, count) in map {
                    println!("{name:<width$}  {count}");
                }
                println!("{:<width$}  {model}", "model");
            }
        }
    }
    Ok(())
}

/// Says which model the folder holds and how many vectors are stored, or why there is none.
async fn model_line(
    settings: &Settings,
    db: &sea_orm::DatabaseConnection,
) -> anyhow::Result<String> {
    Ok(match reskill_embed::verify(&settings.model_dir) {
        Ok(model) => {
            let vectors = reskill_store::embeddings::count(db, model.name).await?;
            format!(
                "{} in {} ({vectors} vectors stored)",
                model.name,
                settings.model_dir.display()
            )
        }
        Err(error) => format!("none ({error}); matching uses words only"),
    })
}
