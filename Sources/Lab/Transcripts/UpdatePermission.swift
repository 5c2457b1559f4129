import Foundation

/// Whether `check --update` may rewrite a lesson. The atomic write replaces the
/// file by renaming a new one over it, which needs only the directory's write
/// permission: left to itself it would replace a file its owner made read-only.
/// So the file's own mode is asked first.
///
/// The rule, on the file a symlink points to (the one the write replaces):
///
/// - For a user other than root, the write bit of the class the user is in, as
///   the kernel picks it for `open`: the owner's bit if the effective user owns
///   the file, else the group's bit if the effective group or a supplementary
///   group is the file's, else the others' bit.
/// - For root, who may write anything: some write bit must be set. A file with
///   none (0444, 0555) was made read-only on purpose, and root's override is not
///   what its owner asked for.
/// - Then `faccessat(W_OK, AT_EACCESS)`, for what the mode does not show: a
///   read-only file system, access control lists.
///
/// A file that does not exist (yet) is left to the writer. O(g) for g
/// supplementary groups.
public enum UpdatePermission {
  /// Why `path` may not be rewritten, or nil when it may.
  public static func refusal(toUpdate path: String) -> LabError? {
    var status = stat()
    guard stat(path, &status) == 0 else { return nil }
    let mode = status.st_mode & 0o7777
    let octal = String(mode, radix: 8)
    let shown = String(repeating: "0", count: max(0, 4 - octal.count)) + octal
    let readOnly = LabError(
      "cannot update \(path): it is read-only (mode \(shown)); 'check --update' rewrites only lessons you may write: make it writable (chmod u+w) or check it without --update"
    )
    let user = geteuid()
    if user == 0 {
      if mode & 0o222 == 0 { return readOnly }
    } else {
      let bit: mode_t
      if status.st_uid == user {
        bit = 0o200
      } else if status.st_gid == getegid() || supplementaryGroups().contains(status.st_gid) {
        bit = 0o020
      } else {
        bit = 0o002
      }
      if mode & bit == 0 { return readOnly }
    }
    guard faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == 0 else {
      return LabError("cannot update \(path): \(String(cString: strerror(errno)))")
    }
    return nil
  }

  /// The process's supplementary groups.
  static func supplementaryGroups() -> [gid_t] {
    let count = getgroups(0, nil)
    guard count > 0 else { return [] }
    var groups = [gid_t](repeating: 0, count: Int(count))
    let filled = getgroups(count, &groups)
    return filled > 0 ? Array(groups.prefix(Int(filled))) : []
  }
}
