//! The heap's one setting beyond mimalloc's defaults.

/// Lets mimalloc back its memory with 2 MB transparent huge pages (the kernel's THP mode here is
/// `madvise`, so nothing asks for them otherwise). Indexing is bound by random access into
/// tantivy's per-segment term hash tables and posting arenas, hundreds of MB each, and with
/// 4 kB pages most of those accesses also miss the TLB: at 1M openings a rebuild went from
/// 13,100 to 15,700 openings/s (docs/BENCHMARKS.md). Call first thing in `main`; mimalloc reads
/// the option whenever it next maps memory. `MIMALLOC_ALLOW_LARGE_OS_PAGES` still decides when set.
pub fn use_huge_pages() {
    if std::env::var_os("MIMALLOC_ALLOW_LARGE_OS_PAGES").is_some()
        || std::env::var_os("MIMALLOC_LARGE_OS_PAGES").is_some()
    {
        return;
    }
    // SAFETY: sets one of mimalloc's process-wide options, which it reads atomically; no
    // memory is touched.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set_enabled(libmimalloc_sys::mi_option_large_os_pages, true);
    }
}
