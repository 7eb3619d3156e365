use std::fs::OpenOptions;
use std::io::{self, BufWriter, Write};
use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam_channel::Receiver;
use serde::Serialize;
use tokio::sync::broadcast;

/// Starts an output thread: writes each item as a JSON line to `path` (`-` = stdout),
/// flushing whenever the channel runs empty, and publishes it to `live`. Ends, flushed,
/// when every sender is gone.
pub fn spawn_output<T: Serialize + Send + Sync + 'static>(
    name: &str,
    path: &str,
    items: Receiver<T>,
    live: broadcast::Sender<Arc<T>>,
) -> io::Result<JoinHandle<io::Result<()>>> {
    let sink: Box<dyn Write + Send> = if path == "-" {
        Box::new(io::stdout())
    } else {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| io::Error::new(e.kind(), format!("{name} output {path}: {e}")))?;
        Box::new(file)
    };
    let mut out = BufWriter::with_capacity(256 * 1024, sink);
    std::thread::Builder::new()
        .name(format!("output-{name}"))
        .spawn(move || {
            while let Ok(first) = items.recv() {
                let mut next = Some(first);
                while let Some(item) = next {
                    serde_json::to_writer(&mut out, &item)?;
                    out.write_all(b"\n")?;
                    // No receivers is fine: nobody is watching live.
                    let _ = live.send(Arc::new(item));
                    next = items.try_recv().ok();
                }
                // The channel ran empty: make what we have visible before blocking again.
                out.flush()?;
            }
            out.flush()
        })
}
