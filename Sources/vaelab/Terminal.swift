import CReadline
import Foundation
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
struct Output {
  let descriptor: Int32

  static let standard = Output(descriptor: STDOUT_FILENO)
  static let standardError = Output(descriptor: STDERR_FILENO)

  func write(_ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
      let written = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
      if written < 0 && errno == EINTR { continue }
      guard written > 0 else { return }
      bytes = bytes.dropFirst(written)
    }
  }
}
