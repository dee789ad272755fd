//! Playing a finished download with the user's player (argv, never a shell).

use super::*;

/// The player's command for `file`: `player` (the `player` setting; unset: `xdg-open`, `open` on
/// macOS) split into arguments as a shell would (`'…'`, `"…"`, `\`) but never run by one; the
/// file is one argument, where an argument says `%f` (also inside one, as in `--file=%f`), else
/// the last. The caller decides where its input and output go.
pub fn player_command(
    player: Option<&str>,
    file: &Path,
) -> Result<std::process::Command, DownloadError> {
    let default = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let line = player
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .unwrap_or(default);
    let argv = shell_words::split(line).map_err(|e| {
        DownloadError::Player(format!(
            "cannot read the player {:?}: {e}",
            clean_line(line)
        ))
    })?;
    let Some((program, args)) = argv.split_first() else {
        return Err(DownloadError::Player("no player given".into()));
    };
    let mut command = std::process::Command::new(program);
    let mut placed = false;
    for arg in args {
        if arg.contains("%f") {
            placed = true;
            let mut pieces = arg.split("%f");
            let mut built = OsString::from(pieces.next().unwrap_or(""));
            for piece in pieces {
                built.push(file.as_os_str());
                built.push(piece);
            }
            command.arg(built);
        } else {
            command.arg(arg);
        }
    }
    if !placed {
        command.arg(file);
    }
    Ok(command)
}

/// Starts the player on `file` in the background, its input and output away from the terminal.
pub fn play(player: Option<&str>, file: &Path) -> Result<std::process::Child, DownloadError> {
    let mut command = player_command(player, file)?;
    let program = clean_line(&command.get_program().to_string_lossy());
    command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| DownloadError::Player(format!("cannot start {program}: {e}")))
}
