//! Giving memory back to the system after a burst.
//!
//! glibc's allocator keeps freed memory for reuse, and raises its mmap threshold each time
//! a large block is freed, so after a flood of 16 MB frames the next ones come from heap
//! arenas that are never returned: RSS stayed at 4.9 GB after the queue had drained. A
//! fixed threshold keeps frame-sized buffers in their own mappings (returned on free), and
//! [`release_free_memory`] trims the heaps once a burst is over. No-ops elsewhere.

/// Blocks this large or larger get their own mapping, returned to the system when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 256 * 1024;

/// Fixes the allocator's mmap threshold (call once, at start-up).
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; any value is accepted or refused.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    }
}

/// Returns free heap memory to the system (cheap enough after a burst, not per frame).
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases memory the allocator holds free.
    unsafe {
        libc::malloc_trim(0);
    }
}
