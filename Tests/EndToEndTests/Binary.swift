import Foundation

/// The built `vaelab` executable, beside this test bundle in the build products directory.
enum Binary {
  static var path: String {
    let products = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    return products.appendingPathComponent("vaelab").path
  }

  struct Result {
    var stdout: String
    var stderr: String
    var status: Int32
  }

  /// A started vaelab process with pipes on its standard input, output and error.
  struct Running {
    var process: Process
    var stdin: Pipe
    var stdout: Pipe
    var stderr: Pipe
  }

  /// Starts vaelab with `arguments` in `directory`, without colour, with
  /// `environment` added to this process's.
  static func start(_ arguments: [String], directory: String? = nil, environment: [String: String] = [:]) throws
    -> Running
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    var inherited = ProcessInfo.processInfo.environment
    inherited["NO_COLOR"] = "1"
    process.environment = inherited.merging(environment) { $1 }
    let running = Running(process: process, stdin: Pipe(), stdout: Pipe(), stderr: Pipe())
    process.standardInput = running.stdin
    process.standardOutput = running.stdout
    process.standardError = running.stderr
    try process.run()
    return running
  }

  /// Runs vaelab with `arguments`, feeding `input` on a pipe, in `directory`.
  static func run(
    _ arguments: [String], input: String = "", directory: String? = nil, environment: [String: String] = [:]
  ) throws -> Result {
    let running = try start(arguments, directory: directory, environment: environment)
    let (process, stdin, stdout, stderr) = (running.process, running.stdin, running.stdout, running.stderr)
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    // Read both pipes to the end before waiting, so a full pipe cannot stall the child.
    let group = DispatchGroup()
    nonisolated(unsafe) var errorData = Data()
    DispatchQueue.global().async(group: group) { errorData = stderr.fileHandleForReading.readDataToEndOfFile() }
    let outputData = stdout.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return Result(
      stdout: String(decoding: outputData, as: UTF8.self), stderr: String(decoding: errorData, as: UTF8.self),
      status: process.terminationStatus)
  }
}

extension Binary {
  /// Waits until process `pid` has installed its SIGINT handler (bit 1 of
  /// SigCgt in /proc/PID/status), so a Ctrl-C sent now is caught, not fatal.
  static func waitUntilCatchingInterrupts(_ pid: Int32, timeout: Double = 20) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
      if let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
        let mask = UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16),
        mask & (1 << (SIGINT - 1)) != 0
      {
        return
      }
      usleep(5_000)
    }
    throw PseudoTerminalError("process \(pid) never installed a SIGINT handler")
  }
}

/// A fresh directory under the system's temporary directory, removed when released.
final class TemporaryDirectory {
  let path: String

  init() throws {
    path = NSTemporaryDirectory() + "vaelab-e2e-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  func write(_ text: String, to name: String) throws {
    try text.write(toFile: path + "/" + name, atomically: true, encoding: .utf8)
  }

  func read(_ name: String) throws -> String {
    try String(contentsOfFile: path + "/" + name, encoding: .utf8)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }
}
