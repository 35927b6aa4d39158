package io.headroom.probe;

/**
 * What the disk probes read of the file system holding one path.
 *
 * @param mount the mount point, for the log
 * @param usableBytes bytes an unprivileged writer (Postfix) may still use, without root's reserve
 * @param totalBytes the file system's size
 * @param freeInodes inodes still free
 * @param totalInodes all inodes; 0 on file systems without a fixed inode table (btrfs, some network
 *     file systems)
 */
public record FileStoreUsage(
    String mount, long usableBytes, long totalBytes, long freeInodes, long totalInodes) {}
