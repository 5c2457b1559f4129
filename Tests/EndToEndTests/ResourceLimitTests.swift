import Foundation
import Testing

/// Memory that input asks for is estimated against one budget (VAELAB_MEMORY,
/// by default half of physical memory) and refused with the estimate; loading
/// stops at Ctrl-C (issue 9, defect 5).
@Suite struct ResourceLimitTests {
  /// An NPY header (version 1.0, padded to 64 bytes) for uint8 values of `shape`.
  static func npyHeader(shape: String) -> Data {
    var header = Array("{'descr': '|u1', 'fortran_order': False, 'shape': \(shape), }".utf8)
    while (10 + header.count + 1) % 64 != 0 { header.append(UInt8(ascii: " ")) }
    header.append(UInt8(ascii: "\n"))
    return Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)] + header)
  }

  /// A (rows, columns) uint8 NPY file of zeros, sparse on disk.
  static func writeZeros(rows: Int, columns: Int, to path: String) throws {
    let header = npyHeader(shape: "(\(rows), \(columns))")
    try header.write(to: URL(fileURLWithPath: path))
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.truncate(atOffset: UInt64(header.count + rows * columns))
    try handle.close()
  }

  @Test func eachStageIsRefusedWithItsEstimate() throws {
    let directory = try TemporaryDirectory()
    try Self.writeZeros(rows: 2, columns: 1_000_000, to: directory.path + "/wide.npy")
    let cases: [(memory: String, command: String, error: String)] = [
      (
        "1M", "vae new data=wide.npy",
        "cannot read wide.npy: it is 2000128 bytes, and reading it whole needs about 1.9 MiB, more than vaelab's memory budget of 1.0 MiB"
      ),
      (
        "8M", "vae new data=wide.npy",
        "wide.npy: its 2000000 values as float32 (with a data set's training and held-out copies) needs about 15.3 MiB, more than vaelab's memory budget of 8.0 MiB (set by VAELAB_MEMORY)"
      ),
      (
        "1G", "vae new data=wide.npy hidden=4096",
        "training a model of 8193106512 parameters on batches of 64 needs about 158.4 GiB, more than vaelab's memory budget of 1.0 GiB (set by VAELAB_MEMORY); try fewer or smaller hidden layers, or a smaller batch"
      ),
    ]
    for (memory, command, error) in cases {
      let result = try Binary.run(
        ["--keep-going", "-c", command, "-c", "seed"], directory: directory.path, environment: ["VAELAB_MEMORY": memory]
      )
      #expect(result.status == 1)
      #expect(result.stderr.hasPrefix("-c:1: error: " + error), "\(result.stderr)")
      #expect(result.stdout.hasSuffix("seed = 0\n"), "the session carries on")
    }
    let unset = try Binary.run(["-c", "vae new data=wide.npy hidden=4"], directory: directory.path)
    #expect(unset.status == 0, "\(unset.stderr)")
  }

  /// A gzip that inflates a hundredfold past half the budget is stopped as it
  /// inflates, not after.
  @Test func aGzipBombIsStoppedWhileInflating() throws {
    let directory = try TemporaryDirectory()
    let shell = Process()
    shell.executableURL = URL(fileURLWithPath: "/bin/sh")
    shell.arguments = [
      "-c",
      "{ printf '\\000\\000\\010\\002\\000\\001\\206\\240\\000\\000\\003\\350'; head -c 100000000 /dev/zero; } | gzip -1 > bomb-idx.gz",
    ]
    shell.currentDirectoryURL = URL(fileURLWithPath: directory.path)
    try shell.run()
    shell.waitUntilExit()
    try #require(shell.terminationStatus == 0)
    let result = try Binary.run(
      ["-c", "vae new data=bomb-idx.gz"], directory: directory.path, environment: ["VAELAB_MEMORY": "64M"])
    #expect(
      result.stderr
        == "-c:1: error: bomb-idx.gz: it inflates to more than 32.0 MiB, half of vaelab's memory budget of 64.0 MiB (set by VAELAB_MEMORY)\n"
    )
  }

  @Test func reconShowsAtMost64() throws {
    let result = try Binary.run([
      "-c",
      "vae new pinwheel hidden=4 latent=2 seed=1; vae recon [\((0...64).map(String.init).joined(separator: ","))]",
    ])
    #expect(result.stderr == "-c:1: error: i lists 65 examples; vae recon shows at most 64 at a time\n")
  }

  /// Ctrl-C while a large data file is read and converted stops the command
  /// and keeps the session.
  @Test func ctrlCStopsLoading() throws {
    let directory = try TemporaryDirectory()
    try Self.writeZeros(rows: 4000, columns: 100_000, to: directory.path + "/big.npy")
    let running = try Binary.start(["--keep-going"], directory: directory.path)
    running.stdin.fileHandleForWriting.write(Data("vae new data=big.npy\nseed\n".utf8))
    try Binary.waitUntilCatchingInterrupts(running.process.processIdentifier)
    usleep(500_000)
    running.process.interrupt()
    try running.stdin.fileHandleForWriting.close()
    let deadline = Date().addingTimeInterval(20)
    while running.process.isRunning && Date() < deadline { usleep(10_000) }
    #expect(!running.process.isRunning)
    if running.process.isRunning { running.process.terminate() }
    running.process.waitUntilExit()
    let stderr = String(decoding: running.stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(stderr == "<stdin>:1: error: interrupted (Ctrl-C); nothing was changed\n")
  }
}
