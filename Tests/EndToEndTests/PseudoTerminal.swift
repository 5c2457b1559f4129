import Foundation

/// vaelab on a pseudo-terminal, as a person at a keyboard would run it: the
/// child gets the terminal as its controlling terminal (`setsid --ctty`), so
/// Ctrl-C typed into it raises SIGINT exactly as in a real terminal.
final class PseudoTerminal {
  private let master: Int32
  private let process = Process()
  /// Everything the terminal has shown so far, escape sequences included.
  private(set) var transcript = ""

  init(arguments: [String] = [], environment: [String: String]) throws {
    // What posix_openpt, unlockpt and ptsname do, which Swift's Glibc module does
    // not export: open the multiplexer, unlock the replica, ask for its number.
    master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
    var unlock: Int32 = 0
    var number: UInt32 = 0
    guard master >= 0, ioctl(master, Self.setLock, &unlock) == 0, ioctl(master, Self.getNumber, &number) == 0 else {
      throw PseudoTerminalError("cannot open a pseudo-terminal: \(String(cString: strerror(errno)))")
    }
    let name = "/dev/pts/\(number)"
    let replica = open(name, O_RDWR | O_NOCTTY)
    guard replica >= 0 else { throw PseudoTerminalError("cannot open \(name)") }
    _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
    let handle = FileHandle(fileDescriptor: replica, closeOnDealloc: true)
    process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
    process.arguments = ["--ctty", "--wait", Binary.path] + arguments
    process.environment = environment
    process.standardInput = handle
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    close(replica)
  }

  /// TIOCSPTLCK and TIOCGPTN from <asm-generic/ioctls.h>: _IOW('T', 0x31, int), _IOR('T', 0x30, unsigned int).
  static let setLock: UInt = 0x4004_5431
  static let getNumber: UInt = 0x8004_5430

  deinit {
    if process.isRunning { process.terminate() }
    close(master)
  }

  func type(_ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
      let written = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
      if written > 0 { bytes = bytes.dropFirst(written) } else { usleep(1000) }
    }
  }

  /// Waits until the screen output since `position` contains `text`; returns the
  /// position after it. Throws with everything seen so far after `timeout` seconds.
  @discardableResult
  func waitFor(_ text: String, after position: String.Index? = nil, timeout: Double = 20) throws -> String.Index {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      readAvailable()
      let start = position ?? transcript.startIndex
      if let found = transcript[start...].range(of: text) { return found.upperBound }
      usleep(10_000)
    }
    throw PseudoTerminalError("timed out waiting for \(text.debugDescription); the terminal showed:\n\(transcript)")
  }

  var end: String.Index { transcript.endIndex }

  func waitForExit(timeout: Double = 20) throws -> Int32 {
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline {
      readAvailable()
      usleep(10_000)
    }
    guard !process.isRunning else { throw PseudoTerminalError("vaelab did not exit; it showed:\n\(transcript)") }
    return process.terminationStatus
  }

  private func readAvailable() {
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let count = read(master, &buffer, buffer.count)
      guard count > 0 else { return }
      transcript += String(decoding: buffer[0..<count], as: UTF8.self)
    }
  }
}

struct PseudoTerminalError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
