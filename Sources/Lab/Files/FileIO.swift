import Foundation
import NeuralNet

/// Reading text files and writing them atomically, with errors that name the file.
public enum FileIO {
  public static func readText(_ path: String) throws(LabError) -> String {
    guard let text = String(validating: try readBytes(path), as: UTF8.self) else {
      throw LabError("\(path) is not UTF-8 text")
    }
    return text
  }

  /// A regular file's bytes. A FIFO or a device (`/dev/zero`) would block or
  /// never end, and a file beyond the memory budget would not fit: both are refused
  /// before reading. Errors name the file `shownAs` (the path as the user gave
  /// it), else `path`.
  /// Asks `shouldStop` every 16 MiB, and stops with `LabError.interrupted` when it says so.
  public static func readBytes(
    _ path: String, shownAs name: String? = nil, shouldStop: () -> Bool = { false }
  ) throws(LabError) -> [UInt8] {
    let shown = name ?? path
    // Opened without blocking, so that a FIFO with no writer is refused, not waited on.
    let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard descriptor >= 0 else { throw LabError("cannot read \(shown): \(String(cString: strerror(errno)))") }
    var status = stat()
    guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
      close(descriptor)
      throw LabError("cannot read \(shown): it is not a regular file (a directory, FIFO or device); vaelab reads files")
    }
    _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
    guard let handle = fdopen(descriptor, "rb") else {
      close(descriptor)
      throw LabError("cannot read \(shown): \(String(cString: strerror(errno)))")
    }
    defer { fclose(handle) }
    if let refusal = MemoryBudget.refusal(Int(status.st_size), for: "reading it whole") {
      throw LabError("cannot read \(shown): it is \(status.st_size) bytes, and \(refusal)")
    }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      if bytes.count % (1 << 24) == 0 && shouldStop() { throw .interrupted }
      let count = fread(&chunk, 1, chunk.count, handle)
      bytes.append(contentsOf: chunk[0..<count])
      if count < chunk.count {
        if ferror(handle) != 0 { throw LabError("cannot read \(shown): \(String(cString: strerror(errno)))") }
        break
      }
    }
    return bytes
  }

  /// Writes `text` to a temporary file beside `path`, flushes it to disk and
  /// renames it over `path`: a crash or Ctrl-C leaves either the old file or the
  /// new one, never a half-written file.
  public static func writeAtomically(_ text: String, to path: String, followingSymlink: Bool = true) throws(LabError) {
    try writeAtomically(bytes: Array(text.utf8), to: path, followingSymlink: followingSymlink)
  }

  /// `writeAtomically` for bytes.
  ///
  /// - The temporary file has an unpredictable name and is created exclusively
  ///   (mkstemp: O_CREAT | O_EXCL, mode 0600), so a symlink planted beside the
  ///   target is never followed.
  /// - A symlink given as the path is written through: its target is replaced,
  ///   the link stays.
  /// - The new file keeps the mode of the file it replaces (0666 less the umask
  ///   for a new one).
  /// - Temporary files of writers that died (kill -9) are removed on the next
  ///   write to the same directory.
  /// - Errors name the file `shownAs` (the path as the user gave it), else `path`.
  /// - With `followingSymlink` false, a symlink at `path` is refused: for a path
  ///   the user did not name (an exported page beside its lesson, where the
  ///   lesson's author could have planted a link) and a lesson's own writes.
  public static func writeAtomically(
    bytes: [UInt8], to path: String, shownAs name: String? = nil, followingSymlink: Bool = true
  ) throws(LabError) {
    let shown = name ?? path
    _ = try splitForWriting(path, shownAs: shown)
    if !followingSymlink, let destination = symlinkDestination(path) {
      throw LabError(
        "cannot write \(shown): it is a symbolic link (to \(destination)), and vaelab does not write through a link it was not given"
      )
    }
    let target = resolvedTarget(path)
    let (directory, _) = try splitForWriting(target, shownAs: shown)
    removeStaleTemporaries(in: directory)
    var template = Array((directory + temporaryPrefix + "\(getpid())-XXXXXX").utf8CString)
    let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard descriptor >= 0 else { throw LabError("cannot write \(shown): \(String(cString: strerror(errno)))") }
    let temporary = string(fromTemplate: template)
    func fail(_ reason: String) -> LabError {
      close(descriptor)
      unlink(temporary)
      return LabError("cannot write \(shown): \(reason)")
    }
    var existing = stat()
    let mode: mode_t
    if stat(target, &existing) == 0 {
      mode = existing.st_mode & 0o7777
    } else {
      let mask = umask(0)
      umask(mask)
      mode = 0o666 & ~mask
    }
    guard fchmod(descriptor, mode) == 0 else { throw fail(String(cString: strerror(errno))) }
    var written = 0
    while written < bytes.count {
      let result = bytes.withUnsafeBytes { buffer in
        write(descriptor, buffer.baseAddress.map { $0 + written }, buffer.count - written)
      }
      if result < 0 {
        if errno == EINTR { continue }
        throw fail(String(cString: strerror(errno)))
      }
      written += result
    }
    guard fsync(descriptor) == 0 else { throw fail(String(cString: strerror(errno))) }
    close(descriptor)
    guard rename(temporary, target) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(temporary)
      throw LabError("cannot write \(shown): \(reason)")
    }
  }

  /// The path mkstemp or mkdtemp filled into `template` (a NUL-terminated C string).
  static func string(fromTemplate template: [CChar]) -> String {
    String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// Temporary files are `.vaelab-tmp-PID-XXXXXX`: the writer's process id,
  /// then mkstemp's random letters.
  static let temporaryPrefix = ".vaelab-tmp-"

  /// What the symlink at `path` points to, or nil when `path` is not a symlink.
  static func symlinkDestination(_ path: String) -> String? {
    var status = stat()
    guard lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFLNK else { return nil }
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = readlink(path, &buffer, buffer.count - 1)
    guard count >= 0 else { return "?" }
    return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// Where a write to `path` lands: the file a symlink points to (through any
  /// chain of links), else `path` itself.
  static func resolvedTarget(_ path: String) -> String {
    var status = stat()
    guard lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFLNK, let resolved = realpath(path, nil) else {
      return path
    }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  /// Removes temporary files in `directory` whose writer is no longer running.
  static func removeStaleTemporaries(in directory: String) {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)
    else { return }
    for entry in entries where entry.hasPrefix(temporaryPrefix) {
      let digits = entry.dropFirst(temporaryPrefix.count).prefix { $0.isNumber }
      guard let pid = pid_t(digits), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
      unlink(directory + entry)
    }
  }

  /// The directory part of `path`: up to and including its last `/`, or empty
  /// for a name in the working directory.
  public static func directory(of path: String) -> String {
    path.lastIndex(of: "/").map { String(path[...$0]) } ?? ""
  }

  /// The directory part of `path` (up to and including its last `/`, empty for
  /// the working directory) and the file name after it, refusing paths that name
  /// a directory: `dir/`, `.`, `..`, or an existing directory.
  static func splitForWriting(_ path: String, shownAs shown: String? = nil) throws(LabError) -> (
    directory: String, name: String
  ) {
    let directory = self.directory(of: path)
    let name = String(path.dropFirst(directory.count))
    var status = stat()
    let isDirectory = stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    guard !name.isEmpty, name != ".", name != "..", !isDirectory else {
      let shown = shown ?? path
      let inside = shown.isEmpty || shown.hasSuffix("/") ? shown : shown + "/"
      throw LabError("cannot write \(shown): it is a directory, not a file; name a file in it, such as \(inside)NAME")
    }
    return (directory, name)
  }
}
