import Foundation

/// Reading text files and writing them atomically, with errors that name the file.
public enum FileIO {
  public static func readText(_ path: String) throws(LabError) -> String {
    guard let text = String(validating: try readBytes(path), as: UTF8.self) else {
      throw LabError("\(path) is not UTF-8 text")
    }
    return text
  }

  public static func readBytes(_ path: String) throws(LabError) -> [UInt8] {
    guard let handle = fopen(path, "rb") else {
      throw LabError("cannot read \(path): \(String(cString: strerror(errno)))")
    }
    defer { fclose(handle) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = fread(&chunk, 1, chunk.count, handle)
      bytes.append(contentsOf: chunk[0..<count])
      if count < chunk.count {
        if ferror(handle) != 0 { throw LabError("cannot read \(path): \(String(cString: strerror(errno)))") }
        break
      }
    }
    return bytes
  }

  /// Writes `text` to a temporary file beside `path`, flushes it to disk and
  /// renames it over `path`: a crash or Ctrl-C leaves either the old file or the
  /// new one, never a half-written file.
  public static func writeAtomically(_ text: String, to path: String) throws(LabError) {
    try writeAtomically(bytes: Array(text.utf8), to: path)
  }

  /// `writeAtomically` for bytes.
  public static func writeAtomically(bytes: [UInt8], to path: String) throws(LabError) {
    let (directory, name) = try splitForWriting(path)
    let temporary = directory + ".\(name).\(getpid()).tmp"
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard descriptor >= 0 else { throw LabError("cannot write \(path): \(String(cString: strerror(errno)))") }
    var written = 0
    while written < bytes.count {
      let result = bytes.withUnsafeBytes { buffer in
        write(descriptor, buffer.baseAddress.map { $0 + written }, buffer.count - written)
      }
      if result < 0 {
        if errno == EINTR { continue }
        let reason = String(cString: strerror(errno))
        close(descriptor)
        unlink(temporary)
        throw LabError("cannot write \(path): \(reason)")
      }
      written += result
    }
    let synced = fsync(descriptor) == 0
    close(descriptor)
    guard synced, rename(temporary, path) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(temporary)
      throw LabError("cannot write \(path): \(reason)")
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
  static func splitForWriting(_ path: String) throws(LabError) -> (directory: String, name: String) {
    let directory = self.directory(of: path)
    let name = String(path.dropFirst(directory.count))
    var status = stat()
    let isDirectory = stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    guard !name.isEmpty, name != ".", name != "..", !isDirectory else {
      let inside = path.isEmpty || path.hasSuffix("/") ? path : path + "/"
      throw LabError("cannot write \(path): it is a directory, not a file; name a file in it, such as \(inside)NAME")
    }
    return (directory, name)
  }
}
