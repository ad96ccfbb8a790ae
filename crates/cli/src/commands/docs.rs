//! `reskill completions SHELL` and `reskill man`: generated from the clap definitions, so they
//! cannot drift from the real flags.

use std::io::Write;

use clap::CommandFactory;

use crate::Cli;

/// Writes the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "reskill", out);
    Ok(())
}

/// Writes the man page (roff) of `reskill`, its subcommands listed.
pub fn man(out: &mut dyn Write) -> anyhow::Result<()> {
    clap_mangen::Man::new(Cli::command()).render(out)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(write: impl FnOnce(&mut Vec<u8>) -> anyhow::Result<()>) -> String {
        let mut out = Vec::new();
        write(&mut out).expect("generation succeeds");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn completions_name_the_real_subcommands_and_flags() {
        use clap_complete::Shell;
        for shell in [
            Shell::Bash,
            Shell::Zsh,
            Shell::Fish,
            Shell::PowerShell,
            Shell::Elvish,
        ] {
            let script = text(|out| completions(shell, out));
            // Fish spells long flags `-l data-dir`, so the names are checked without dashes.
            for word in ["serve", "import", "transitions", "data-dir", "database-url"] {
                assert!(script.contains(word), "{shell}: no {word} in\n{script}");
            }
        }
        // Nested subcommands are completed too.
        let bash = text(|out| completions(clap_complete::Shell::Bash, out));
        assert!(bash.contains("openings") && bash.contains("esco"), "{bash}");
    }

    #[test]
    fn man_page_is_roff_with_the_subcommands() {
        let page = text(|out| man(out));
        assert!(page.starts_with(".ie \\n(.g .ds Aq"), "{page}");
        assert!(page.contains(".TH reskill 1"), "{page}");
        for word in ["serve", "import", "healthcheck", "RESKILL_DATA_DIR"] {
            assert!(page.contains(word), "no {word} in\n{page}");
        }
    }
}
