import CReadline
import Foundation
import Lab
import Synchronization

/// Ctrl-C: a SIGINT handler that only sets a flag. Long computations poll it
/// between batches; at the prompt, readline's signal hook clears the line.
enum Interrupts {
  static let flag = Atomic<Bool>(false)

  static func install() {
    _ = vaelab_install_sigint_handler { _ in Interrupts.flag.store(true, ordering: .relaxed) }
  }

  static let isRequested: @Sendable () -> Bool = { flag.load(ordering: .relaxed) }

  /// Clears the flag and says whether it was set.
  static func take() -> Bool { flag.exchange(false, ordering: .relaxed) }
}

/// Unbuffered writes to standard output and error, so output and errors interleave
/// in the order they happened.
struct StandardStream {
  let descriptor: Int32

  static let output = StandardStream(descriptor: STDOUT_FILENO)
  static let error = StandardStream(descriptor: STDERR_FILENO)

  /// Writes `text` with its control characters made visible (`TerminalText.safe`):
  /// what vaelab prints may hold strings from files (a lesson's prose, a
  /// notebook's names, a checkpoint's metadata), and only vaelab's own colours,
  /// with `colour`, reach the terminal as escape sequences.
  func write(_ text: String, colour: Bool = false) {
    writeRaw(TerminalText.safe(text, colour: colour))
  }

  /// Writes `text` as it is: for vaelab's own control sequences only (the progress line).
  func writeRaw(_ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
      let written = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
      if written < 0 && errno == EINTR { continue }
      guard written > 0 else { return }
      bytes = bytes.dropFirst(written)
    }
  }
}

/// Lines of standard input for piped mode, read with read(2). (The standard
/// library's `readLine` retries `getline` on EINTR and spins forever after a
/// SIGINT without SA_RESTART; here Ctrl-C ends the input instead.)
struct InputLines {
  private var buffer: [UInt8] = []
  private var atEnd = false
  private var chunk = [UInt8](repeating: 0, count: 65536)

  /// The next line without its newline (and without a trailing carriage return),
  /// or nil at the end of input or after Ctrl-C.
  mutating func next() -> String? {
    while true {
      if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
        let line = Self.text(buffer[..<newline])
        buffer.removeSubrange(...newline)
        return line
      }
      if atEnd {
        guard !buffer.isEmpty else { return nil }
        defer { buffer.removeAll() }
        return Self.text(buffer[...])
      }
      let count = read(STDIN_FILENO, &chunk, chunk.count)
      if count > 0 {
        buffer += chunk[0..<count]
      } else if count < 0 && errno == EINTR {
        if Interrupts.isRequested() { return nil }
      } else {
        atEnd = true
      }
    }
  }

  private static func text(_ bytes: ArraySlice<UInt8>) -> String {
    let line = bytes.last == UInt8(ascii: "\r") ? bytes.dropLast() : bytes
    return String(decoding: line, as: UTF8.self)
  }
}

/// The transient status line of long work in the terminal: rewritten in place
/// with a carriage return, erased before the result is printed.
enum ProgressLine {
  static let shown = Atomic<Bool>(false)

  static let show: @Sendable (String) -> Void = { text in
    StandardStream.output.writeRaw("\r\u{1B}[2K" + TerminalText.visible(text))
    shown.store(true, ordering: .relaxed)
  }

  static func clear() {
    if shown.exchange(false, ordering: .relaxed) { StandardStream.output.writeRaw("\r\u{1B}[2K") }
  }
}
