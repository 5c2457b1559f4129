import Foundation
import Testing

/// Faults while vaelab writes (issue 9): kill -9 at random moments, a full
/// disk. A file is always either what it was or what the write meant it to be,
/// and what a dead writer left behind is cleared by the next write.
@Suite(.serialized) struct FaultTests {
  /// Starts vaelab with `arguments`, kills it with SIGKILL after `delay`
  /// seconds (or lets it finish first), and waits for it. With
  /// `fromTemporary`, the delay counts from the moment its temporary file
  /// appears, so that the kill lands during the write however slow the machine.
  /// Returns whether it died while writing (its temporary file is left).
  static func kill(_ arguments: [String], in directory: String, after delay: Double, fromTemporary: Bool = false)
    throws -> Bool
  {
    let running = try Binary.start(arguments, directory: directory)
    try running.stdin.fileHandleForWriting.close()
    let own = ".vaelab-tmp-\(running.process.processIdentifier)-"
    if fromTemporary {
      while running.process.isRunning, try !temporaries(in: directory).contains(where: { $0.hasPrefix(own) }) {
        usleep(200)
      }
    }
    usleep(useconds_t(delay * 1_000_000))
    if running.process.isRunning { Foundation.kill(running.process.processIdentifier, SIGKILL) }
    running.process.waitUntilExit()
    return try temporaries(in: directory).contains { $0.hasPrefix(own) }
  }

  static func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

  static func temporaries(in directory: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(".vaelab-tmp-") }
  }

  /// The delays of `count` kills, spread evenly over `span` seconds (a
  /// deterministic spread: each run of the suite kills at the same offsets).
  static func delays(_ count: Int, over span: Double) -> [Double] {
    (0..<count).map { span * (Double($0) + 0.5) / Double(count) }
  }

  /// 50 kills during `vae save` of a 5.3 MB model (half at spread moments, half
  /// while its temporary file is being written), 30 during `save`, 30 during
  /// `check --update`: 110 in all.
  @Test func killDashNineNeverLeavesAPartFile() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path
    // The new contents, from runs that finish.
    let model = ["-c", "vae new shapes hidden=[1024, 384] latent=4 seed=2; vae save m.safetensors"]
    let notebook = ["-c", (0..<200).map { "kl \($0 % 7) 1" }.joined(separator: "; ") + "; save n.md"]
    #expect(try Binary.run(model, directory: path).status == 0)
    #expect(try Binary.run(notebook, directory: path).status == 0)
    let lesson = "```vaelab\n> kl 1 2\n= 1.306 nats\n```\n"
    try directory.write(lesson, to: "l.md")
    #expect(try Binary.run(["check", "--update", "l.md"], directory: path).status == 0)
    let written = [
      "m.safetensors": try #require(Self.bytes(path + "/m.safetensors")),
      "n.md": try #require(Self.bytes(path + "/n.md")), "l.md": try #require(Self.bytes(path + "/l.md")),
    ]
    let old = Data("the previous file\n".utf8)
    let runs: [(file: String, arguments: [String], kills: Int, span: Double, fromTemporary: Bool)] = [
      ("m.safetensors", model, 25, 1.5, false), ("m.safetensors", model, 25, 0.01, true),
      ("n.md", notebook, 30, 0.4, false), ("l.md", ["check", "--update", "l.md"], 30, 0.4, false),
    ]
    var hitMidWrite = 0
    for run in runs {
      for delay in Self.delays(run.kills, over: run.span) {
        let target = path + "/" + run.file
        try (run.file == "l.md" ? Data(lesson.utf8) : old).write(to: URL(fileURLWithPath: target))
        let diedWriting = try Self.kill(run.arguments, in: path, after: delay, fromTemporary: run.fromTemporary)
        let now = try #require(Self.bytes(target), "\(run.file) vanished after a kill at \(delay) s")
        let before = run.file == "l.md" ? Data(lesson.utf8) : old
        #expect(now == before || now == written[run.file], "\(run.file) is partly written after a kill at \(delay) s")
        if diedWriting { hitMidWrite += 1 }
      }
    }
    // Some kills landed while a temporary file was open (so the test tested something),
    // and the next write clears what the dead writers left.
    #expect(hitMidWrite > 0)
    #expect(try Binary.run(notebook, directory: path).status == 0)
    #expect(try Self.temporaries(in: path).isEmpty)
  }

  /// A full disk (a 1 MiB tmpfs): the write fails with the system's reason, the
  /// previous file is kept, and no temporary file remains.
  @Test func aFullDiskKeepsThePreviousFile() throws {
    let directory = try TemporaryDirectory()
    let mounted = Process()
    mounted.executableURL = URL(fileURLWithPath: "/bin/mount")
    mounted.arguments = ["-t", "tmpfs", "-o", "size=1m", "tmpfs", directory.path]
    mounted.standardError = FileHandle.nullDevice
    try? mounted.run()
    mounted.waitUntilExit()
    guard mounted.terminationStatus == 0 else {
      print("FaultTests: skipped the full-disk test: cannot mount a tmpfs here (needs root and mount rights)")
      return
    }
    defer {
      let unmount = Process()
      unmount.executableURL = URL(fileURLWithPath: "/bin/umount")
      unmount.arguments = [directory.path]
      try? unmount.run()
      unmount.waitUntilExit()
    }
    try directory.write("the previous checkpoint\n", to: "m.safetensors")
    let result = try Binary.run(
      ["-c", "vae new shapes hidden=[1024] latent=4 seed=2; vae save m.safetensors", "-c", "seed"],
      directory: directory.path)
    #expect(result.status == 1)
    #expect(result.stderr == "-c:1: error: cannot write m.safetensors: No space left on device\n")
    #expect(try directory.read("m.safetensors") == "the previous checkpoint\n")
    #expect(try Self.temporaries(in: directory.path).isEmpty)
  }
}
