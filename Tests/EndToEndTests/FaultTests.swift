import Foundation
import Testing

/// Faults while vaelab writes (issue 9): kill -9 at random moments, a full
/// disk. A file is always either what it was or what the write meant it to be,
/// and what a dead writer left behind is cleared by the next write.
@Suite(.serialized) struct FaultTests {
  /// Starts vaelab with `arguments`, kills it with SIGKILL after `delay`
  /// seconds (or lets it finish first), and waits for it. With
  /// `fromTemporary`, the delay counts from the moment its temporary file
  /// appears, so that the kill most often lands during the write.
  static func kill(_ arguments: [String], in directory: String, after delay: Double, fromTemporary: Bool = false)
    throws
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
  /// from when its temporary file appears), 30 during `save`, 30 during
  /// `check --update`: 110 in all, about a minute. Where each kill lands
  /// depends on the machine's speed; what is checked after each holds wherever
  /// it lands. That a writer dying mid-write is covered is not left to timing:
  /// `aWriterThatDiesMidWriteKeepsThePreviousFile` kills one there every time.
  @Test(.tags(.slow)) func killDashNineNeverLeavesAPartFile() throws {
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
    for run in runs {
      for delay in Self.delays(run.kills, over: run.span) {
        let target = path + "/" + run.file
        try (run.file == "l.md" ? Data(lesson.utf8) : old).write(to: URL(fileURLWithPath: target))
        try Self.kill(run.arguments, in: path, after: delay, fromTemporary: run.fromTemporary)
        let now = try #require(Self.bytes(target), "\(run.file) vanished after a kill at \(delay) s")
        let before = run.file == "l.md" ? Data(lesson.utf8) : old
        #expect(now == before || now == written[run.file], "\(run.file) is partly written after a kill at \(delay) s")
      }
    }
    // The next write clears what the dead writers left.
    #expect(try Binary.run(notebook, directory: path).status == 0)
    #expect(try Self.temporaries(in: path).isEmpty)
  }

  /// A writer killed in the middle of its write, every time, whatever the
  /// machine's speed: `vae save` of a 5.3 MB model under a file-size limit of
  /// 1 MiB (RLIMIT_FSIZE, set by the shell's `ulimit -f` before it becomes
  /// vaelab) dies of SIGXFSZ, as of kill -9, when its temporary file reaches
  /// the limit. (The test runner ignores SIGXFSZ, which a child inherits, and
  /// a write past the limit would then fail with EFBIG instead: `env
  /// --default-signal` restores the default.) The previous file is kept, the
  /// temporary file is left, and the next write clears it.
  @Test func aWriterThatDiesMidWriteKeepsThePreviousFile() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path
    try directory.write("the previous checkpoint\n", to: "m.safetensors")
    let writer = Process()
    writer.executableURL = URL(fileURLWithPath: "/bin/bash")
    writer.arguments = [
      "-c", "ulimit -f 1024 && exec env --default-signal=XFSZ \"$0\" \"$@\"", Binary.path,
      "-c", "vae new shapes hidden=[1024, 384] latent=4 seed=2; vae save m.safetensors",
    ]
    writer.currentDirectoryURL = URL(fileURLWithPath: path)
    (writer.standardInput, writer.standardOutput, writer.standardError) = (
      FileHandle.nullDevice, FileHandle.nullDevice, FileHandle.nullDevice
    )
    try writer.run()
    writer.waitUntilExit()
    #expect(writer.terminationReason == .uncaughtSignal && writer.terminationStatus == SIGXFSZ)
    #expect(try directory.read("m.safetensors") == "the previous checkpoint\n")
    let own = ".vaelab-tmp-\(writer.processIdentifier)-"
    #expect(try Self.temporaries(in: path).contains { $0.hasPrefix(own) })
    #expect(try Binary.run(["-c", "kl 2 1; save n.md"], directory: path).status == 0)
    #expect(try Self.temporaries(in: path).isEmpty)
  }

  /// Mounts a tmpfs of `size` (as mount's size=, e.g. 1m) on `path`; false
  /// where this process may not (it needs root and mount rights).
  static func mountTmpfs(size: String, on path: String) -> Bool {
    let mount = Process()
    mount.executableURL = URL(fileURLWithPath: "/bin/mount")
    mount.arguments = ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", path]
    mount.standardError = FileHandle.nullDevice
    guard (try? mount.run()) != nil else { return false }
    mount.waitUntilExit()
    return mount.terminationStatus == 0
  }

  static func unmount(_ path: String) {
    let unmount = Process()
    unmount.executableURL = URL(fileURLWithPath: "/bin/umount")
    unmount.arguments = [path]
    try? unmount.run()
    unmount.waitUntilExit()
  }

  /// Whether a tmpfs can be mounted here, tried once on a scratch directory.
  static let canMountTmpfs: Bool = {
    guard let directory = try? TemporaryDirectory(), mountTmpfs(size: "1m", on: directory.path) else { return false }
    unmount(directory.path)
    return true
  }()

  /// A full disk (a 1 MiB tmpfs): the write fails with the system's reason, the
  /// previous file is kept, and no temporary file remains. Skipped, and said to
  /// be, where no tmpfs can be mounted.
  @Test(.enabled(if: FaultTests.canMountTmpfs, "cannot mount a tmpfs here (needs root and mount rights)"))
  func aFullDiskKeepsThePreviousFile() throws {
    let directory = try TemporaryDirectory()
    try #require(Self.mountTmpfs(size: "1m", on: directory.path))
    defer { Self.unmount(directory.path) }
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
