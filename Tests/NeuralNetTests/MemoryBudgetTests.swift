import Foundation
import Testing

@testable import NeuralNet

/// Memory that input asks for is estimated against one budget before it is
/// allocated, and long reads stop at Ctrl-C (issue 9, defect 5).
struct MemoryBudgetTests {
  @Test(arguments: [
    ("1048576", 1_048_576), ("512M", 512 << 20), ("8G", 8 << 30), ("1.5g", 3 << 29), ("2GiB", 2 << 30),
    ("64KB", 64 << 10), (" 1T ", 1 << 40), ("100B", 100),
  ])
  func sizesAreParsed(text: String, bytes: Int) {
    #expect(MemoryBudget.parse(text) == bytes)
  }

  @Test(arguments: [
    "", "0", "-1G", "G", "lots", "1e30", "nan", "8X", "inf", "-1", "abc", "1e999", "2 G", "0x10", "1e3", "1.", ".5",
    "1..5", "+5", "99999999T",
  ])
  func nonSizesAreRefused(text: String) {
    #expect(MemoryBudget.parse(text) == nil)
  }

  /// A VAELAB_MEMORY that is not a size is an error for vaelab's start
  /// (issue 26, item 13); unset and empty are not.
  @Test func aBadSettingIsNamedWithTheAcceptedForms() {
    #expect(MemoryBudget.settingProblem(in: [:]) == nil)
    #expect(MemoryBudget.settingProblem(in: ["VAELAB_MEMORY": ""]) == nil)
    #expect(MemoryBudget.settingProblem(in: ["VAELAB_MEMORY": "8G"]) == nil)
    #expect(
      MemoryBudget.settingProblem(in: ["VAELAB_MEMORY": "abc"])
        == "VAELAB_MEMORY='abc' is not a size: give bytes, or a number with K, M, G or T (powers of 1024), such as 512M or 8G"
    )
    #expect(
      MemoryBudget.settingProblem(in: ["VAELAB_MEMORY": "1\n\u{1B}[2J"])?.hasPrefix("VAELAB_MEMORY='1\\n\\u{1B}[2J' ")
        == true)
  }

  @Test func sizesAreDescribedAndRefusalsGiveTheEstimate() {
    #expect(MemoryBudget.describe(512) == "512 bytes")
    #expect(MemoryBudget.describe(1536) == "1.5 KiB")
    #expect(MemoryBudget.describe(3 << 30) == "3.0 GiB")
    #expect(MemoryBudget.refusal(1, for: "x") == nil)
    let budget = MemoryBudget.Budget(bytes: 1 << 30, origin: "set by VAELAB_MEMORY")
    #expect(MemoryBudget.refusal(1 << 30, for: "the thing", within: budget) == nil)
    #expect(
      MemoryBudget.refusal((1 << 30) + 1, for: "the thing", within: budget)
        == "the thing needs about 1.0 GiB, more than vaelab's memory budget of 1.0 GiB (set by VAELAB_MEMORY)")
    #expect(MemoryBudget.refusal(nil, for: "y")?.hasPrefix("y needs more bytes than a 64-bit count holds") == true)
  }

  /// The budget is the least of half of memory (or the setting), and what the
  /// address-space limit, the data-segment limit and the control group leave;
  /// the setting lowers it but cannot raise it past a hard limit (issue 26, item 9).
  @Test func theBudgetIsTheLeastOfTheLimits() {
    typealias Limits = MemoryBudget.Limits
    let gib = 1 << 30
    let plain = Limits(physicalMemory: 16 * gib)
    #expect(
      MemoryBudget.budget(for: plain)
        == .init(
          bytes: 8 * gib,
          origin: "half of this machine's memory; set VAELAB_MEMORY, e.g. VAELAB_MEMORY=8G, to change it"))
    var limited = plain
    limited.threads = 2
    limited.addressSpace = .init(limit: 2_048_000_000, used: 256 << 20)
    #expect(
      MemoryBudget.budget(for: limited)
        == .init(
          bytes: 2_048_000_000 - (256 << 20) - (264 << 20),
          origin:
            "the address-space limit, ulimit -v, of 1.9 GiB less the 256.0 MiB vaelab already maps and 264.0 MiB kept for its threads and working"
        ))
    limited.setting = 512 << 20
    #expect(MemoryBudget.budget(for: limited) == .init(bytes: 512 << 20, origin: "set by VAELAB_MEMORY"))
    limited.setting = 8 * gib
    #expect(MemoryBudget.budget(for: limited).origin.hasSuffix("; VAELAB_MEMORY cannot raise it"))
    limited.controlGroup = .init(limit: gib, used: 300 << 20)
    #expect(
      MemoryBudget.budget(for: limited)
        == .init(
          bytes: gib - (300 << 20),
          origin:
            "the memory limit of vaelab's control group (cgroup) of 1.0 GiB less the 300.0 MiB in use there; VAELAB_MEMORY cannot raise it"
        ))
    limited.dataSegment = .init(limit: 100 << 20, used: 200 << 20)
    #expect(MemoryBudget.budget(for: limited).bytes == 0)
    #expect(MemoryBudget.budget(for: limited).origin.hasPrefix("the data-segment limit, ulimit -d, of 100.0 MiB"))
  }

  /// The limits are read again for each check: the process as it is now.
  @Test func theLimitsAreReadNow() {
    let limits = MemoryBudget.limitsNow()
    #expect(limits.physicalMemory > 0)
    #expect(limits.threads >= 1)
    #if os(Linux)
      #expect(MemoryBudget.processStatus()["VmSize"].map { $0 > 1 << 20 } == true)
    #endif
  }

  /// A control group's limit, at its level or an ancestor's, less what is in
  /// use there without reclaimable page cache; "max" and v1's huge value are none.
  @Test func controlGroupLimitsAreRead() throws {
    let root = NSTemporaryDirectory() + "vaelab-cgroup-" + UUID().uuidString
    defer { try? FileManager.default.removeItem(atPath: root) }
    func write(_ text: String, _ path: String) throws {
      let url = URL(fileURLWithPath: root + path)
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try text.write(to: url, atomically: true, encoding: .utf8)
    }
    // v2: no limit at the leaf, 2 GiB above it with 1 GiB in use of which 300 MiB is page cache.
    try write("max\n", "/a/b/memory.max")
    try write("100\n", "/a/b/memory.current")
    try write("2147483648\n", "/a/memory.max")
    try write("1073741824\n", "/a/memory.current")
    try write("anon 700000000\nfile 324288512\nshmem 10000000\n", "/a/memory.stat")
    #expect(
      MemoryBudget.controlGroupUsage(membership: "0::/a/b\n", root: root)
        == .init(limit: 2_147_483_648, used: 1_073_741_824 - 314_288_512))
    // v1: the memory controller's hierarchy; the root's "no limit" is ignored.
    try write("9223372036854771712\n", "/memory/memory.limit_in_bytes")
    try write("536870912\n", "/memory/c/memory.limit_in_bytes")
    try write("104857600\n", "/memory/c/memory.usage_in_bytes")
    try write("cache 1000\ntotal_cache 4857600\ntotal_shmem 0\n", "/memory/c/memory.stat")
    #expect(
      MemoryBudget.controlGroupUsage(membership: "4:memory:/c\n3:cpu:/x\n0::/\n", root: root)
        == .init(limit: 536_870_912, used: 100_000_000))
    #expect(MemoryBudget.controlGroupUsage(membership: "0::/elsewhere\n", root: root) == nil)
    #expect(MemoryBudget.controlGroupUsage(membership: "garbage", root: root) == nil)
  }

  /// A model's training memory counts every parameter five times over and the
  /// activations of a batch; a configuration larger than any machine is refused.
  @Test func trainingMemoryIsEstimatedFromAbove() throws {
    let small = VAEConfiguration(inputs: 256, hidden: 128, latent: 8)
    let bytes = try #require(small.trainingBytes(batchSize: 64))
    #expect(bytes >= 4 * 4 * small.parameterCount)
    #expect(bytes == 20 * small.parameterCount + 256 * (256 + 128 + 24 + 128 + 256) * 12)
    let wide = VAEConfiguration(inputs: 1_000_000, hidden: [4096], latent: 2)
    #expect(
      MemoryBudget.refusal(wide.trainingBytes(batchSize: 64), for: "it") != nil
        || MemoryBudget.current.bytes > 150 << 30)
  }

  @Test(arguments: [
    ("a.csv", Array("1,2\n3,4\n".utf8)),
    ("a.npy", HostileFileTests.npy(descr: "|u1", shape: "(2, 2)", data: [1, 2, 3, 4])),
    ("a.idx", Fixtures.idx), ("a.idx.gz", Fixtures.gzippedIDX),
  ])
  func loadingStopsAtCtrlC(name: String, bytes: [UInt8]) throws {
    #expect(throws: DataFileError.interrupted(name)) {
      try DataLoader.load(name, bytes: bytes, shouldStop: { true })
    }
    #expect(try DataLoader.load(name, bytes: bytes).rows.count == 4 || name.hasPrefix("a.idx"))
  }

  /// A gzip cut short is called truncated, and one with broken data corrupt.
  @Test func brokenGzipIsNamed() {
    let truncated = Array(Fixtures.gzippedIDX.dropLast(12))
    #expect(throws: DataFileError(file: "t.idx.gz", problem: "the gzip data is truncated (zlib status -5)")) {
      try DataLoader.load("t.idx.gz", bytes: truncated)
    }
    var corrupt = Fixtures.gzippedIDX
    corrupt[12] ^= 0xFF
    #expect(throws: DataFileError.self) { try DataLoader.load("c.idx.gz", bytes: corrupt) }
  }
}
