import Foundation
import Testing

/// The memory budget under the limits the process runs in, `VAELAB_MEMORY`
/// checked at start, and Ctrl-C during a model's construction (issue 26,
/// items 9, 10 and 13).
@Suite(.serialized) struct MemoryLimitTests {
  /// The address-space limit of the runs below, in KiB as `ulimit -v` takes it.
  static let addressSpaceKiB = 2_000_000

  /// Runs vaelab with `arguments` under `ulimit -v kilobytes`, without
  /// VAELAB_MEMORY; the status is nil when a signal ended it.
  static func run(underAddressLimit kilobytes: Int, _ arguments: [String]) throws -> (
    stdout: String, stderr: String, status: Int32?
  ) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", "ulimit -v \(kilobytes) && exec \"$0\" \"$@\"", Binary.path] + arguments
    var environment = ProcessInfo.processInfo.environment
    environment["NO_COLOR"] = "1"
    environment["VAELAB_MEMORY"] = nil
    process.environment = environment
    let (output, error) = (Pipe(), Pipe())
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = output
    process.standardError = error
    try process.run()
    let group = DispatchGroup()
    nonisolated(unsafe) var errorData = Data()
    DispatchQueue.global().async(group: group) { errorData = error.fileHandleForReading.readDataToEndOfFile() }
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return (
      String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self),
      process.terminationReason == .exit ? process.terminationStatus : nil
    )
  }

  /// Under `ulimit -v 2000000` a model of 240 million parameters was allocated
  /// until malloc failed and the process aborted; now it is refused up front,
  /// against a budget that names the limit, and the session carries on.
  @Test func aModelBeyondTheAddressSpaceLimitIsRefused() throws {
    let hidden = "[" + Array(repeating: "4096", count: 8).joined(separator: ", ") + "]"
    let result = try Self.run(
      underAddressLimit: Self.addressSpaceKiB,
      ["--keep-going", "-c", "vae new shapes hidden=\(hidden) latent=256", "-c", "seed"])
    #expect(result.status == 1, "\(result.stderr)")
    #expect(
      result.stderr.hasPrefix(
        "-c:1: error: training a model of 240190208 parameters on batches of 64 needs about 4.7 GiB, more than vaelab's memory budget of "
      ), "\(result.stderr)")
    #expect(result.stderr.contains(" (the address-space limit, ulimit -v, of 1.9 GiB less the "), "\(result.stderr)")
    #expect(result.stdout.hasSuffix("seed = 0\n"), "the session carries on")
  }

  /// The binary starts, computes and trains normally under the same limit.
  @Test func theShellWorksUnderTheAddressSpaceLimit() throws {
    let result = try Self.run(
      underAddressLimit: Self.addressSpaceKiB,
      ["-c", "kl 2 1", "-c", "vae new shapes hidden=[512, 128] latent=4 seed=1; vae step 20"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr == "")
    #expect(result.stdout.contains("= 2.000 nats\n"))
    #expect(result.stdout.contains("steps 1-20: loss per example (-ELBO) "))
  }

  /// A VAELAB_MEMORY that is not a size stops vaelab at start, in every mode,
  /// with exit status 64 and the accepted forms (it fell back to half of
  /// physical memory in silence before).
  @Test(arguments: ["0", "-1", "abc", "1e999", "2 G", "0x10", "8X", "\u{1B}[31m"])
  func aBadVaelabMemoryIsAnErrorAtStart(value: String) throws {
    let shown = value == "\u{1B}[31m" ? "\\u{1B}[31m" : value
    let message =
      "vaelab: VAELAB_MEMORY='\(shown)' is not a size: give bytes, or a number with K, M, G or T (powers of 1024), such as 512M or 8G\n"
    for arguments in [["-c", "kl 2 1"], [], ["check", "no-such-lesson.md"]] {
      let result = try Binary.run(arguments, input: "kl 2 1\n", environment: ["VAELAB_MEMORY": value])
      #expect(result.status == 64, "\(arguments): \(result.stderr)")
      #expect(result.stderr == message, "\(arguments)")
      #expect(result.stdout == "", "\(arguments)")
    }
  }

  /// Good values, and an empty one (as unset), still start.
  @Test(arguments: ["512M", "8G", "1.5g", "100000000", ""])
  func aGoodVaelabMemoryStarts(value: String) throws {
    let result = try Binary.run(["-c", "kl 2 1"], environment: ["VAELAB_MEMORY": value])
    #expect(result.status == 0, "\(result.stderr)")
  }

  /// Ctrl-C while `vae new` builds a large model stops that command, which
  /// reports it (the model's construction never asked, and the Ctrl-C failed
  /// the next line instead). The run then ends, as after any Ctrl-C.
  @Test func ctrlCDuringVaeNewIsReportedByIt() throws {
    let running = try Binary.start([])
    let pid = running.process.processIdentifier
    running.stdin.fileHandleForWriting.write(
      Data("vae new pinwheel hidden=[4096, 4096, 4096, 4096] latent=2 seed=1\nseed\n".utf8))
    try Binary.waitUntilCatchingInterrupts(pid)
    // Interrupt once the weights are being made: 100 MiB resident of the 800 the model takes.
    let deadline = Date().addingTimeInterval(60)
    while running.process.isRunning && Date() < deadline && Self.residentKiB(pid) < 100_000 { usleep(2_000) }
    running.process.interrupt()
    try running.stdin.fileHandleForWriting.close()
    while running.process.isRunning && Date() < deadline { usleep(10_000) }
    #expect(!running.process.isRunning)
    if running.process.isRunning { running.process.terminate() }
    running.process.waitUntilExit()
    let stdout = String(decoding: running.stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let stderr = String(decoding: running.stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(running.process.terminationStatus == 1)
    #expect(stderr == "<stdin>:1: error: interrupted (Ctrl-C); nothing was changed\n")
    #expect(stdout == "")
  }

  /// Process `pid`'s resident memory in KiB (0 once it has gone).
  static func residentKiB(_ pid: Int32) -> Int {
    let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
    guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
    return Int(line.dropFirst("VmRSS:".count).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
      ?? 0
  }
}
