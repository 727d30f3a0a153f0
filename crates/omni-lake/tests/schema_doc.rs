//! The schema is documented: `docs/DATA_LAKE.md` shows every table's columns exactly as
//! `omni_lake::schema` defines them. Regenerate the tables with
//! `LAKE_PRINT_SCHEMA=1 cargo test -p omni-lake --test schema_doc -- --nocapture`.

use omni_lake::schema::TABLES;

#[test]
fn every_table_is_documented_as_defined() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/DATA_LAKE.md");
    let doc = std::fs::read_to_string(path).expect("docs/DATA_LAKE.md");
    let sections: Vec<_> = TABLES
        .iter()
        .map(|t| {
            (
                t,
                format!("### `{}`\n\n{}\n\n{}", t.name, t.doc, t.markdown()),
            )
        })
        .collect();
    if std::env::var_os("LAKE_PRINT_SCHEMA").is_some() {
        for (_, section) in &sections {
            println!("{section}");
        }
    }
    for (t, section) in sections {
        assert!(
            doc.contains(&section),
            "docs/DATA_LAKE.md does not show table {} as defined:\n{section}",
            t.name
        );
    }
}
