//! Measured programs are started by a small helper process forked at the very start of the benchmark.
//!
//! Why: Linux keeps a process's peak RSS (`ru_maxrss`) across `exec`, and a child forked or vforked
//! from the benchmark starts out charged with the benchmark's own peak (hundreds of MB of rendered
//! feeds). Children of the helper, which stays at a few MB, report their own peak. The helper takes
//! requests over a socket (JSON lines), starts the program (optionally on a pseudo-terminal as its
//! controlling terminal), and answers `wait` with the exit status and rusage from `wait4`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// A program to start. `stdout`/`stderr`: a file path, or `None` for /dev/null; `tty`: a terminal
/// that becomes the program's controlling terminal and stdio.
#[derive(Serialize, Deserialize, Default, Clone, Debug)]
pub struct Spawn {
    pub program: String,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub env_remove: Vec<String>,
    pub cwd: Option<String>,
    pub stdout: Option<String>,
    pub stderr: Option<String>,
    pub tty: Option<String>,
}

#[derive(Serialize, Deserialize)]
enum Request {
    Spawn(Spawn),
    Wait(i32),
}

#[derive(Serialize, Deserialize)]
enum Reply {
    Spawned(i32),
    Exited {
        status: i32,
        cpu_us: u64,
        sys_us: u64,
        max_rss_kib: u64,
        wall_us: u64,
    },
    Failed(String),
}

/// How a child ended, with its resource usage.
#[derive(Clone, Copy, Debug)]
pub struct Reaped {
    pub status: i32,
    pub cpu: Duration,
    /// The system-time part of `cpu`.
    pub sys: Duration,
    pub max_rss_kib: u64,
    /// From the start request to `wait4` returning, measured in the helper.
    pub wall: Duration,
}

impl Reaped {
    pub fn success(&self) -> bool {
        libc::WIFEXITED(self.status) && libc::WEXITSTATUS(self.status) == 0
    }

    pub fn describe(&self) -> String {
        if libc::WIFEXITED(self.status) {
            format!("exit code {}", libc::WEXITSTATUS(self.status))
        } else if libc::WIFSIGNALED(self.status) {
            format!("killed by signal {}", libc::WTERMSIG(self.status))
        } else {
            format!("wait status {}", self.status)
        }
    }
}

struct Channel {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

static CHANNEL: OnceLock<Mutex<Channel>> = OnceLock::new();

/// Forks the helper. Call first thing in `main`, while the process is small and single-threaded.
pub fn init() -> Result<()> {
    let (ours, theirs) = UnixStream::pair().context("cannot create the helper's socket")?;
    // SAFETY: called before any other thread exists; the child only runs `serve` and `_exit`s.
    match unsafe { libc::fork() } {
        -1 => Err(std::io::Error::last_os_error()).context("cannot fork the helper"),
        0 => {
            drop(ours);
            serve(theirs);
            // SAFETY: ends the helper without running the parent's exit handlers.
            unsafe { libc::_exit(0) }
        }
        _ => {
            drop(theirs);
            let reader = BufReader::new(ours.try_clone()?);
            let _ = CHANNEL.set(Mutex::new(Channel {
                reader,
                writer: ours,
            }));
            Ok(())
        }
    }
}

fn tv_us(t: libc::timeval) -> u64 {
    t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64
}

fn start(req: Spawn) -> std::io::Result<i32> {
    let mut cmd = Command::new(&req.program);
    cmd.args(&req.args).stdin(Stdio::null());
    for k in &req.env_remove {
        cmd.env_remove(k);
    }
    cmd.envs(req.env.iter().map(|(k, v)| (k, v)));
    if let Some(cwd) = &req.cwd {
        cmd.current_dir(cwd);
    }
    let file = |p: &Option<String>| -> std::io::Result<Stdio> {
        Ok(match p {
            Some(p) => Stdio::from(std::fs::File::create(p)?),
            None => Stdio::null(),
        })
    };
    cmd.stdout(file(&req.stdout)?).stderr(file(&req.stderr)?);
    if let Some(tty) = req.tty {
        let tty = std::ffi::CString::new(tty)?;
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setsid() == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                let fd = libc::open(tty.as_ptr(), libc::O_RDWR);
                if fd < 0 || libc::ioctl(fd, libc::TIOCSCTTY as _, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                for target in 0..3 {
                    if libc::dup2(fd, target) == -1 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                if fd > 2 {
                    libc::close(fd);
                }
                Ok(())
            })
        };
    }
    Ok(cmd.spawn()?.id() as i32)
}

fn wait4(pid: i32) -> Reply {
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills in; pid is a child of this process.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            return Reply::Exited {
                status,
                cpu_us: tv_us(usage.ru_utime) + tv_us(usage.ru_stime),
                sys_us: tv_us(usage.ru_stime),
                max_rss_kib: usage.ru_maxrss as u64,
                wall_us: 0,
            };
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Reply::Failed(format!("wait4({pid}): {err}"));
        }
    }
}

/// The helper's loop: one request per line, until the benchmark closes the socket.
fn serve(sock: UnixStream) {
    let Ok(read_half) = sock.try_clone() else {
        return;
    };
    let (mut reader, mut writer) = (BufReader::new(read_half), sock);
    let mut started: HashMap<i32, Instant> = HashMap::new();
    let mut line = String::new();
    loop {
        line.clear();
        if !matches!(reader.read_line(&mut line), Ok(n) if n > 0) {
            return;
        }
        let reply = match serde_json::from_str::<Request>(&line) {
            Ok(Request::Spawn(req)) => {
                let at = Instant::now();
                let what = req.program.clone();
                match start(req) {
                    Ok(pid) => {
                        started.insert(pid, at);
                        Reply::Spawned(pid)
                    }
                    Err(e) => Reply::Failed(format!("cannot start {what}: {e}")),
                }
            }
            Ok(Request::Wait(pid)) => match wait4(pid) {
                Reply::Exited {
                    status,
                    cpu_us,
                    sys_us,
                    max_rss_kib,
                    ..
                } => Reply::Exited {
                    status,
                    cpu_us,
                    sys_us,
                    max_rss_kib,
                    wall_us: started
                        .remove(&pid)
                        .map_or(0, |t| t.elapsed().as_micros() as u64),
                },
                other => other,
            },
            Err(e) => Reply::Failed(format!("bad request: {e}")),
        };
        let Ok(mut text) = serde_json::to_string(&reply) else {
            return;
        };
        text.push('\n');
        if writer.write_all(text.as_bytes()).is_err() {
            return;
        }
    }
}

fn channel() -> Result<std::sync::MutexGuard<'static, Channel>> {
    let ch = CHANNEL.get().context("the spawn helper was not started")?;
    Ok(ch.lock().unwrap_or_else(|e| e.into_inner()))
}

fn exchange(ch: &mut Channel, req: &Request, timeout: Option<Duration>) -> Result<Option<Reply>> {
    let mut text = serde_json::to_string(req)?;
    text.push('\n');
    ch.writer
        .write_all(text.as_bytes())
        .context("the spawn helper is gone")?;
    receive(ch, timeout)
}

fn receive(ch: &mut Channel, timeout: Option<Duration>) -> Result<Option<Reply>> {
    ch.reader.get_ref().set_read_timeout(timeout)?;
    let mut line = String::new();
    match ch.reader.read_line(&mut line) {
        Ok(0) => bail!("the spawn helper exited"),
        Ok(_) => Ok(Some(
            serde_json::from_str(&line).context("bad reply from the spawn helper")?,
        )),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(e).context("cannot read from the spawn helper"),
    }
}

/// Starts a program through the helper; returns its pid.
pub fn spawn(req: Spawn) -> Result<i32> {
    let mut ch = channel()?;
    match exchange(&mut ch, &Request::Spawn(req), None)? {
        Some(Reply::Spawned(pid)) => Ok(pid),
        Some(Reply::Failed(e)) => bail!("{e}"),
        _ => bail!("unexpected reply from the spawn helper"),
    }
}

/// Sends SIGKILL to a program started through the helper that has not been waited for yet.
pub fn kill(pid: i32) {
    // SAFETY: plain syscall; the helper has not reaped pid, so it cannot have been reused.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
}

/// Waits for `pid` to end; after `timeout` it is killed and an error names `what`.
pub fn wait(pid: i32, timeout: Duration, what: &str) -> Result<Reaped> {
    let mut ch = channel()?;
    let reply = match exchange(&mut ch, &Request::Wait(pid), Some(timeout))? {
        Some(reply) => reply,
        None => {
            kill(pid);
            let _ = receive(&mut ch, Some(Duration::from_secs(60)));
            bail!("{what} did not finish within {timeout:?} (killed)");
        }
    };
    match reply {
        Reply::Exited {
            status,
            cpu_us,
            sys_us,
            max_rss_kib,
            wall_us,
        } => Ok(Reaped {
            status,
            cpu: Duration::from_micros(cpu_us),
            sys: Duration::from_micros(sys_us),
            max_rss_kib,
            wall: Duration::from_micros(wall_us),
        }),
        Reply::Failed(e) => bail!("{what}: {e}"),
        Reply::Spawned(_) => bail!("unexpected reply from the spawn helper"),
    }
}
