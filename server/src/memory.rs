//! Giving freed request memory back to the system.
//!
//! glibc's malloc serves large blocks with `mmap` and unmaps them when freed, but after the
//! first such block is freed it raises that threshold to the block's size (up to 32 MiB);
//! from then on request-sized buffers come from the per-thread heaps, which keep freed
//! memory. A relay that received a few large bodies on different threads would then hold
//! tens of megabytes per thread for good. Fixing the thresholds keeps large buffers on
//! `mmap` (returned the moment they are freed) and trims heap tops above 1 MiB.

/// Blocks at least this large are mapped on their own and unmapped when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 256 * 1024;
/// Free memory above this at a heap's top is given back.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: libc::c_int = 1 << 20;

/// Sets the allocator so freed large buffers go back to the system. Call once at start,
/// before other threads exist.
pub fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes glibc's allocator parameters; it is called before the
    // runtime starts its threads, and with parameters glibc documents.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
    }
}
